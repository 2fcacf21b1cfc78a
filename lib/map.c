/* placeholder until the map module lands */
#include <tlspolicy/map.h>
