/* custom.c as a DLL export. */
__declspec(dllexport) int custom_fn(int x) { return x + 1; }
