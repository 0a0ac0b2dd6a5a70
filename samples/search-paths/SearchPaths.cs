// The managed side of the search-paths sample: where each library is looked for.
using System;
using System.Runtime.InteropServices;

namespace SearchPaths
{
    static class Interop
    {
        // Lazy, default DllImportSearchPath (AssemblyDirectory, then the OS loader): found next
        // to the image.
        [DllImport("sp-next")]
        public static extern int next_value();

        // Direct (DirectPInvoke `sp-sub`): bound by the loader at startup, found in the plugins/
        // sub-folder through the LinkerArg `-Wl,-rpath,$ORIGIN/plugins`.
        [DllImport("sp-sub")]
        public static extern int sub_value();

        // Lazy, but System32 only: the image's folder is not searched, so the library next to
        // the image is not found (on Linux only AssemblyDirectory adds a folder of its own).
        [DllImport("sp-next", EntryPoint = "next_value")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        public static extern int next_value_system32();

        // Lazy, and present only in the current directory: never loaded from there.
        [DllImport("sp-cwd")]
        public static extern int cwd_value();
    }

    static class Program
    {
        static int Main()
        {
            Console.WriteLine(Interop.next_value());
            Console.WriteLine(Interop.sub_value());
            return 0;
        }
    }
}
