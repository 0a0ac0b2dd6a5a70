/* Calls a function nothing defines: its link fails. */
int nowhere_defined(void);
int main(void) { return nowhere_defined(); }
