// A console program over SQLite through Mono.Data.Sqlite, Mono's ADO.NET provider (Debian's
// libmono-sqlite4.0-cil): its P/Invokes into sqlite3 are real declarations nobody here wrote.
// Creates a table, inserts, queries and prints; then one statement that fails cleanly.
using System;
using System.Data;
using Mono.Data.Sqlite;

static class Program
{
    static int Main(string[] args)
    {
        using (var db = new SqliteConnection("Data Source=:memory:"))
        {
            db.Open();
            Console.WriteLine("sqlite " + db.ServerVersion);
            Exec(db, "CREATE TABLE pinvoke (module TEXT NOT NULL, entry TEXT NOT NULL, direct INTEGER)");
            var insert = db.CreateCommand();
            insert.CommandText = "INSERT INTO pinvoke VALUES (@module, @entry, @direct)";
            insert.Parameters.Add(new SqliteParameter("@module"));
            insert.Parameters.Add(new SqliteParameter("@entry"));
            insert.Parameters.Add(new SqliteParameter("@direct"));
            foreach (var row in new[] {
                new object[] { "libc", "getpid", 1 },
                new object[] { "sqlite3", "sqlite3_open_v2", 0 },
                new object[] { "libz.so.1", "crc32", 0 } })
            {
                for (int i = 0; i < 3; i++)
                    insert.Parameters[i].Value = row[i];
                insert.ExecuteNonQuery();
            }
            var query = db.CreateCommand();
            query.CommandText = "SELECT module, entry, direct FROM pinvoke ORDER BY entry";
            using (var r = query.ExecuteReader())
                while (r.Read())
                    Console.WriteLine("{0}!{1}: {2}", r.GetString(0), r.GetString(1), r.GetInt64(2) == 1 ? "direct" : "lazy");
            var count = db.CreateCommand();
            count.CommandText = "SELECT count(*) FROM pinvoke";
            Console.WriteLine("rows: " + Convert.ToInt64(count.ExecuteScalar()));
            try
            {
                Exec(db, "INSERT INTO missing_table VALUES (1)");
                Console.WriteLine("no error?");
                return 1;
            }
            catch (SqliteException e)
            {
                Console.WriteLine("caught: SqliteException: " + e.Message.Replace(Environment.NewLine, " "));
            }
        }
        return 0;
    }

    static void Exec(SqliteConnection db, string sql)
    {
        var c = db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }
}
