/* A shared library's compiled code: one exported entry point, one global that must stay hidden. */
int shim_add(int a, int b);

int lib_mul(int a, int b) { return shim_add(a * b, 0); }

int lib_hidden(void) { return 7; }
