// Uses the UnmanagedCallersOnlyAttribute that Interop.dll defines: the attribute constructor is a
// MemberRef to a TypeRef here, not a MethodDef of this assembly.
using System.Runtime.InteropServices;

namespace Sample.Consumer
{
    public static class Entry
    {
        [UnmanagedCallersOnly(EntryPoint = "consumer_main")]
        public static int Main2() { return 0; }
    }
}
