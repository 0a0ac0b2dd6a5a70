// The search-paths sample: where each library is looked for. On linux-x64 Mono's AOT compiler
// compiles this Main; elsewhere main.c stands in for it.
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
        // the image is not found (on Linux only AssemblyDirectory adds a folder of its own). Its
        // own entry point: with Mono's AOT compiler compiled code calls imports by their entry
        // names, and one name binds one way only (AOTI0014).
        [DllImport("sp-next")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        public static extern int next_value_system32();

        // Lazy, and present only in the current directory: never loaded from there.
        [DllImport("sp-cwd")]
        public static extern int cwd_value();
    }

    static class Program
    {
        // Calls one import and reports its value, or, catching DllNotFoundException, that the
        // search did not find its library.
        static void Report(string what, Func<int> call)
        {
            try
            {
                int value = call();
                Console.WriteLine("{0} = {1}", what, value);
            }
            catch (DllNotFoundException e)
            {
                string message = e.GetType() + ": " + e.Message;
                int nl = message.IndexOf('\n');
                Console.WriteLine("  not found: {0}", nl < 0 ? message : message.Substring(0, nl));
                Console.WriteLine("{0} failed", what);
            }
        }

        static int Main()
        {
            Report("next_value (lazy, next to the image)", Interop.next_value);
            Report("sub_value (direct, rpath $ORIGIN/plugins)", Interop.sub_value);
            // Without AssemblyDirectory the image's folder is not searched, but the OS loader
            // still finds the library through the image's own rpath ($ORIGIN), as it would for
            // .NET.
            Report("next_value_system32 (lazy, System32 only: found by the OS loader through the image's rpath)",
                Interop.next_value_system32);
            Report("cwd_value (lazy, only in the current directory)", Interop.cwd_value);
            return 0;
        }
    }
}
