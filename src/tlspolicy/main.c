/*
 * main.c - tlspolicy command-line entry point
 */
#include <stdio.h>

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "tlspolicy: not yet\n");
    return 2;
}
