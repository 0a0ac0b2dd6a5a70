/* The three libraries of the sample, built from this one file with -DVALUE_NAME and -DVALUE. */
int VALUE_NAME(void) { return VALUE; }
