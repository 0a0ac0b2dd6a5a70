// A small JSON reader and string writer: enough for the publish request the task writes and
// the response the native library returns, without a serializer package.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AotInterop.Build
{
    /// <summary>Reads JSON into dictionaries, lists, strings, doubles, booleans and null.</summary>
    internal sealed class JsonReader
    {
        private readonly string text;
        private int pos;

        private JsonReader(string text)
        {
            this.text = text;
        }

        /// <summary>Parses a whole document; <paramref name="spans"/> receives, for each member of
        /// the top-level object, the start and end offsets of its value in the text.</summary>
        public static object Parse(string text, out Dictionary<string, int[]> spans)
        {
            var r = new JsonReader(text);
            spans = new Dictionary<string, int[]>();
            r.SkipSpace();
            object value = r.ReadValue(spans);
            r.SkipSpace();
            if (r.pos != text.Length)
                throw r.Fail("unexpected text after the document");
            return value;
        }

        /// <summary>Parses a whole document.</summary>
        public static object Parse(string text)
        {
            Dictionary<string, int[]> spans;
            return Parse(text, out spans);
        }

        /// <summary>Reads the string literal starting at <paramref name="offset"/>, if one does.</summary>
        public static string StringAt(string text, int offset)
        {
            if (offset < 0 || offset >= text.Length || text[offset] != '"')
                return null;
            var r = new JsonReader(text);
            r.pos = offset;
            try { return r.ReadString(); }
            catch (FormatException) { return null; }
        }

        private FormatException Fail(string what)
        {
            return new FormatException(what + " at offset " + pos);
        }

        private void SkipSpace()
        {
            while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r'))
                pos++;
        }

        private object ReadValue(Dictionary<string, int[]> spans)
        {
            if (pos >= text.Length)
                throw Fail("unexpected end");
            char c = text[pos];
            if (c == '{') return ReadObject(spans);
            if (c == '[') return ReadArray();
            if (c == '"') return ReadString();
            if (Literal("true")) return true;
            if (Literal("false")) return false;
            if (Literal("null")) return null;
            return ReadNumber();
        }

        private bool Literal(string word)
        {
            if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0)
                return false;
            pos += word.Length;
            return true;
        }

        private Dictionary<string, object> ReadObject(Dictionary<string, int[]> spans)
        {
            var result = new Dictionary<string, object>();
            pos++;
            SkipSpace();
            if (pos < text.Length && text[pos] == '}') { pos++; return result; }
            while (true)
            {
                SkipSpace();
                string key = ReadString();
                SkipSpace();
                Expect(':');
                SkipSpace();
                int start = pos;
                result[key] = ReadValue(null);
                if (spans != null)
                    spans[key] = new[] { start, pos };
                SkipSpace();
                if (pos < text.Length && text[pos] == ',') { pos++; continue; }
                Expect('}');
                return result;
            }
        }

        private List<object> ReadArray()
        {
            var result = new List<object>();
            pos++;
            SkipSpace();
            if (pos < text.Length && text[pos] == ']') { pos++; return result; }
            while (true)
            {
                SkipSpace();
                result.Add(ReadValue(null));
                SkipSpace();
                if (pos < text.Length && text[pos] == ',') { pos++; continue; }
                Expect(']');
                return result;
            }
        }

        private void Expect(char c)
        {
            if (pos >= text.Length || text[pos] != c)
                throw Fail("expected '" + c + "'");
            pos++;
        }

        private string ReadString()
        {
            Expect('"');
            var sb = new StringBuilder();
            while (true)
            {
                if (pos >= text.Length)
                    throw Fail("unterminated string");
                char c = text[pos++];
                if (c == '"') return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                if (pos >= text.Length)
                    throw Fail("unterminated escape");
                char e = text[pos++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (pos + 4 > text.Length)
                            throw Fail("short \\u escape");
                        sb.Append((char)int.Parse(text.Substring(pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        pos += 4;
                        break;
                    default: throw Fail("bad escape");
                }
            }
        }

        private double ReadNumber()
        {
            int start = pos;
            while (pos < text.Length && "+-0123456789.eE".IndexOf(text[pos]) >= 0)
                pos++;
            double d;
            if (pos == start || !double.TryParse(text.Substring(start, pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out d))
                throw Fail("expected a value");
            return d;
        }
    }

    /// <summary>Writes JSON string literals.</summary>
    internal static class JsonWriter
    {
        /// <summary>The JSON string literal for <paramref name="s"/>.</summary>
        public static string Quote(string s)
        {
            var sb = new StringBuilder(s.Length + 2);
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20)
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            sb.Append(c);
                        break;
                }
            }
            return sb.Append('"').ToString();
        }
    }
}
