/* The three libraries of the sample, built from this one file with -DVALUE_NAME and -DVALUE (and
 * -DALSO_NAME for a second entry point returning the same value). */
int VALUE_NAME(void) { return VALUE; }
#ifdef ALSO_NAME
int ALSO_NAME(void) { return VALUE; }
#endif
