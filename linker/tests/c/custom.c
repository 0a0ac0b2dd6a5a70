/* A shared library found through a LinkerArg -L folder or a sysroot. */
int custom_fn(int x) { return x + 1; }
