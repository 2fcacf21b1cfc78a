/* placeholder until the cf module lands */
#include <tlspolicy/cf.h>
