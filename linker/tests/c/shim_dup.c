/* A second archive defining the same global symbol as shim.c (preflight's duplicate case). */
int shim_add(int a, int b) { return a - b; }
