/* A NativeLibrary archive member: what a DirectPInvoke into a static library resolves to. */
int shim_add(int a, int b) { return a + b; }
