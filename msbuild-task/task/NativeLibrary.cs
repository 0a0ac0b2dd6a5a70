// Loads the aotinterop native library by full path (next to the task assembly, or a path the
// project names) and calls its C ABI through function pointers, so the operating system's
// global library search path is never involved.

using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace AotInterop.Build
{
    /// <summary>The aotinterop native library, loaded from an explicit path.</summary>
    internal sealed class AotInteropNative
    {
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate IntPtr RunFn(byte[] step, byte[] requestJson, byte[] requestOrigin);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate void FreeFn(IntPtr text);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate IntPtr VersionFn();

        private readonly RunFn run;
        private readonly FreeFn free;

        /// <summary>The library's version string.</summary>
        public string Version { get; private set; }

        /// <summary>Where it was loaded from.</summary>
        public string Path { get; private set; }

        private AotInteropNative(string path, IntPtr handle)
        {
            Path = path;
            run = (RunFn)Marshal.GetDelegateForFunctionPointer(Export(handle, "aotinterop_run"), typeof(RunFn));
            free = (FreeFn)Marshal.GetDelegateForFunctionPointer(Export(handle, "aotinterop_free"), typeof(FreeFn));
            var version = (VersionFn)Marshal.GetDelegateForFunctionPointer(Export(handle, "aotinterop_version"), typeof(VersionFn));
            Version = ReadUtf8(version());
        }

        /// <summary>The library's file name on the operating system the build runs on.</summary>
        public static string FileName
        {
            get
            {
                if (IsWindows) return "aotinterop_msbuild.dll";
                if (IsMac) return "libaotinterop_msbuild.dylib";
                return "libaotinterop_msbuild.so";
            }
        }

        /// <summary>The default location: next to the task assembly.</summary>
        public static string DefaultPath
        {
            get
            {
                string dir = System.IO.Path.GetDirectoryName(typeof(AotInteropNative).Assembly.Location);
                return System.IO.Path.Combine(dir ?? ".", FileName);
            }
        }

        private static bool IsWindows
        {
            get { return Environment.OSVersion.Platform == PlatformID.Win32NT; }
        }

        private static bool IsMac
        {
            get { return Environment.OSVersion.Platform == PlatformID.MacOSX || Directory.Exists("/System/Library/CoreServices"); }
        }

        /// <summary>Loads the library at <paramref name="path"/>; on failure returns null and says why.</summary>
        public static AotInteropNative Load(string path, out string error)
        {
            error = null;
            if (Directory.Exists(path))
            {
                error = "it is a folder, not the library";
                return null;
            }
            if (!File.Exists(path))
            {
                error = "the file does not exist";
                return null;
            }
            // A FIFO or a device reads as an empty file here: loading it would block or fail.
            if (new FileInfo(path).Length == 0)
            {
                error = "the file is empty, or a FIFO or a device, not the library";
                return null;
            }
            try
            {
                IntPtr handle = Open(path);
                return new AotInteropNative(path, handle);
            }
            catch (Exception e)
            {
                error = e.Message;
                return null;
            }
        }

        private static readonly object LoadLock = new object();
        private static readonly Dictionary<string, AotInteropNative> Loaded = new Dictionary<string, AotInteropNative>();

        /// <summary>The library at <paramref name="nativeLibraryPath"/> (empty: next to the task
        /// assembly), loaded once per build process; null, with the error logged, when it cannot be.</summary>
        public static AotInteropNative Get(Microsoft.Build.Utilities.TaskLoggingHelper log, string nativeLibraryPath)
        {
            string path = string.IsNullOrWhiteSpace(nativeLibraryPath)
                ? DefaultPath
                : System.IO.Path.GetFullPath(nativeLibraryPath.Trim());
            lock (LoadLock)
            {
                AotInteropNative native;
                if (Loaded.TryGetValue(path, out native))
                    return native;
                string error;
                native = Load(path, out error);
                if (native == null)
                {
                    TaskLog.Error(log, "AOTI0810", path, 0, 0,
                        "cannot load the aotinterop native library (" + error + "); it ships next to the task assembly as "
                        + FileName + ", or set AotInteropNativeLibrary to its path");
                    return null;
                }
                Loaded[path] = native;
                return native;
            }
        }

        /// <summary>Runs a file step (<c>write_request</c>, <c>remove_plan_report</c>, <c>write_plan_report</c>) on
        /// <paramref name="file"/>: the library checks what is there (a FIFO, a device, an input of the
        /// build are refused, never written or removed). Logs its errors; returns its result, or null.</summary>
        public Dictionary<string, object> FileStep(Microsoft.Build.Utilities.TaskLoggingHelper log, string step, string text, string file)
        {
            Dictionary<string, object> response;
            try
            {
                response = JsonReader.Parse(Run(step, text, file)) as Dictionary<string, object>;
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                TaskLog.Error(log, "AOTI0811", Path, 0, 0, "the aotinterop library gave no valid response: " + e.Message);
                return null;
            }
            object ok;
            if (response != null && response.TryGetValue("ok", out ok) && ok is bool && (bool)ok)
            {
                object result;
                response.TryGetValue("result", out result);
                return result as Dictionary<string, object> ?? new Dictionary<string, object>();
            }
            object list;
            var diagnostics = response != null && response.TryGetValue("diagnostics", out list) ? list as List<object> : null;
            foreach (object d in diagnostics ?? new List<object>())
            {
                var diagnostic = d as Dictionary<string, object>;
                if (diagnostic == null)
                    continue;
                object code, message, location, where;
                diagnostic.TryGetValue("code", out code);
                diagnostic.TryGetValue("message", out message);
                diagnostic.TryGetValue("location", out location);
                var at = location as Dictionary<string, object>;
                string shown = at != null && at.TryGetValue("file", out where) ? where as string : file;
                TaskLog.Error(log, code as string ?? "AOTI0811", shown, 0, 0, message as string ?? "(no message)");
            }
            if (!log.HasLoggedErrors)
                TaskLog.Error(log, "AOTI0811", file, 0, 0, "the `" + step + "` step failed without saying why");
            return null;
        }

        /// <summary>Runs a step; returns the response JSON.</summary>
        public string Run(string step, string requestJson, string requestOrigin)
        {
            IntPtr result = run(Utf8(step), Utf8(requestJson), requestOrigin == null ? null : Utf8(requestOrigin));
            if (result == IntPtr.Zero)
                throw new InvalidOperationException("aotinterop_run returned null");
            try
            {
                return ReadUtf8(result);
            }
            finally
            {
                free(result);
            }
        }

        private static byte[] Utf8(string s)
        {
            byte[] body = new UTF8Encoding(false).GetBytes(s);
            byte[] z = new byte[body.Length + 1];
            Buffer.BlockCopy(body, 0, z, 0, body.Length);
            return z;
        }

        private static string ReadUtf8(IntPtr p)
        {
            if (p == IntPtr.Zero)
                return null;
            int len = 0;
            while (Marshal.ReadByte(p, len) != 0)
                len++;
            byte[] bytes = new byte[len];
            Marshal.Copy(p, bytes, 0, len);
            return Encoding.UTF8.GetString(bytes);
        }

        // .NET Core 3 and later: System.Runtime.InteropServices.NativeLibrary (found by reflection,
        // since netstandard2.0 does not declare it). Elsewhere: dlopen or LoadLibraryEx.
        private static readonly Type CoreNativeLibrary =
            typeof(object).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", false);

        private static IntPtr Open(string path)
        {
            if (CoreNativeLibrary != null)
            {
                MethodInfo load = CoreNativeLibrary.GetMethod("Load", new[] { typeof(string) });
                if (load != null)
                {
                    try { return (IntPtr)load.Invoke(null, new object[] { path }); }
                    catch (TargetInvocationException e) { throw e.InnerException; }
                }
            }
            if (IsWindows)
            {
                const uint LoadWithAlteredSearchPath = 0x8;
                IntPtr h = Win32.LoadLibraryExW(path, IntPtr.Zero, LoadWithAlteredSearchPath);
                if (h == IntPtr.Zero)
                    throw new Win32Exception(Marshal.GetLastWin32Error());
                return h;
            }
            return Posix.Open(path);
        }

        private static IntPtr Export(IntPtr handle, string name)
        {
            IntPtr p = IntPtr.Zero;
            if (CoreNativeLibrary != null)
            {
                MethodInfo get = CoreNativeLibrary.GetMethod("GetExport", new[] { typeof(IntPtr), typeof(string) });
                if (get != null)
                {
                    try { p = (IntPtr)get.Invoke(null, new object[] { handle, name }); }
                    catch (TargetInvocationException e) { throw e.InnerException; }
                }
            }
            else if (IsWindows)
            {
                p = Win32.GetProcAddress(handle, name);
            }
            else
            {
                p = Posix.Symbol(handle, name);
            }
            if (p == IntPtr.Zero)
                throw new EntryPointNotFoundException("the library has no `" + name + "` function: is it an aotinterop library?");
            return p;
        }

        private static class Win32
        {
            [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
            public static extern IntPtr LoadLibraryExW(string path, IntPtr file, uint flags);

            [DllImport("kernel32", CharSet = CharSet.Ansi, BestFitMapping = false, ExactSpelling = true)]
            public static extern IntPtr GetProcAddress(IntPtr module, string name);
        }

        // dlopen lives in libdl.so.2 on older glibc, in libc.so.6 on newer glibc (libdl.so.2 is
        // kept as a stub), and in libSystem on macOS; the first that loads is used.
        private static class Posix
        {
            private const int RtldNow = 2;

            public static IntPtr Open(string path)
            {
                // Bind dlerror first: resolving it later may itself call dlopen and clear the error.
                LastError();
                IntPtr h;
                try { h = IsMac ? SystemB.dlopen(path, RtldNow) : Dl.dlopen(path, RtldNow); }
                catch (DllNotFoundException) { h = C.dlopen(path, RtldNow); }
                catch (EntryPointNotFoundException) { h = C.dlopen(path, RtldNow); }
                if (h == IntPtr.Zero)
                    throw new DllNotFoundException(LastError());
                return h;
            }

            public static IntPtr Symbol(IntPtr handle, string name)
            {
                try { return IsMac ? SystemB.dlsym(handle, name) : Dl.dlsym(handle, name); }
                catch (DllNotFoundException) { return C.dlsym(handle, name); }
                catch (EntryPointNotFoundException) { return C.dlsym(handle, name); }
            }

            private static string LastError()
            {
                IntPtr e;
                try { e = IsMac ? SystemB.dlerror() : Dl.dlerror(); }
                catch (DllNotFoundException) { e = C.dlerror(); }
                catch (EntryPointNotFoundException) { e = C.dlerror(); }
                return e == IntPtr.Zero ? "dlopen failed" : Marshal.PtrToStringAnsi(e);
            }

            private static class Dl
            {
                [DllImport("libdl.so.2")] public static extern IntPtr dlopen(string path, int flags);
                [DllImport("libdl.so.2")] public static extern IntPtr dlsym(IntPtr handle, string name);
                [DllImport("libdl.so.2")] public static extern IntPtr dlerror();
            }

            private static class C
            {
                [DllImport("libc.so.6")] public static extern IntPtr dlopen(string path, int flags);
                [DllImport("libc.so.6")] public static extern IntPtr dlsym(IntPtr handle, string name);
                [DllImport("libc.so.6")] public static extern IntPtr dlerror();
            }

            private static class SystemB
            {
                [DllImport("/usr/lib/libSystem.B.dylib")] public static extern IntPtr dlopen(string path, int flags);
                [DllImport("/usr/lib/libSystem.B.dylib")] public static extern IntPtr dlsym(IntPtr handle, string name);
                [DllImport("/usr/lib/libSystem.B.dylib")] public static extern IntPtr dlerror();
            }
        }
    }
}
