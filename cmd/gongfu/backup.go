package main

// Backup and restore of the database.
//
// The operator keeps a copy of the whole record (SQLite: VACUUM INTO while
// the server runs; PostgreSQL: pg_dump, whose commands are printed).

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"gongfu"
	"gongfu/postgres"
	"gongfu/progress"
	"gongfu/sqlite"
)

const backupUsage = `用法 Usage: gongfu backup FILE [--db PATH]

在服务运行时备份 SQLite 数据库：用 VACUUM INTO 把一个一致的快照写入 FILE
（不影响正在进行的填报），再打开备份校验其审计链。FILE 已存在时拒绝覆盖。
Backs up the SQLite database while the server runs: VACUUM INTO writes a
consistent snapshot to FILE without holding up writers, then the copy is
opened and its audit chain verified. An existing FILE is never overwritten.
备份时在标准错误上显示已用时间和已写入的大小，--quiet 时不显示
(stderr shows the time taken and the size written so far; --quiet hides it).

PostgreSQL 数据库（--db postgres://…）请用 pg_dump，本命令会给出完整命令：
For a PostgreSQL database (--db postgres://…) use pg_dump; this command prints
the exact command:
  pg_dump --format=custom --file FILE URL

  --db PATH   数据库文件 (database file; default gongfu.db)

示例 Examples:
  gongfu backup /backup/gongfu-$(date +%F).db --db /var/lib/gongfu/gongfu.db
  gongfu backup gongfu-backup.db --quiet`

const restoreUsage = `用法 Usage: gongfu restore FILE [--db PATH] [--force]

用备份 FILE 恢复 SQLite 数据库：先检查 FILE 是 gongfu 数据库且审计链完好，
再以临时文件加改名的方式整体替换 --db（不会出现半个文件）。--db 已存在时须加
--force；服务正在使用该数据库时拒绝恢复，请先停止 gongfu serve。
Restores the SQLite database from the backup FILE: FILE must be a gongfu
database whose audit chain verifies; it replaces --db whole (a temporary file
renamed into place). An existing --db is replaced only with --force, and
never while a server has it open: stop gongfu serve first.
标准错误上显示校验和复制进度，--quiet 时不显示 (stderr shows the check and the
copy's progress; --quiet hides it).

PostgreSQL 数据库请用 pg_restore (for PostgreSQL use pg_restore):
  pg_restore --clean --if-exists --dbname URL FILE

  --db PATH   数据库文件 (database file; default gongfu.db)
  --force     替换已存在的数据库 (replace an existing database)

示例 Examples:
  gongfu restore /backup/gongfu-2020-06-01.db --db /var/lib/gongfu/gongfu.db --force`

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup", backupUsage)
	dbPath := fs.String("db", defaultDB, "database")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, backupUsage, err)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: 需要一个备份文件名 (want one FILE)", errUsage)
	}
	file := pos[0]
	if postgres.IsURL(*dbPath) {
		return pgRoute(*dbPath, file, false)
	}
	if fi, err := os.Stat(*dbPath); err != nil || fi.IsDir() {
		return gongfu.Failf(gongfu.EINVALID, "数据库 %s 不存在", *dbPath)
	}
	if _, err := os.Lstat(file); err == nil {
		return gongfu.Failf(gongfu.EINVALID, "文件 %s 已存在，备份不会覆盖已有文件", file)
	}
	db, err := sqlite.Open(ctx, *dbPath)
	if err != nil {
		return fmt.Errorf("open database %s: %w", *dbPath, err)
	}
	defer db.Close()
	// VACUUM INTO tells nothing of how far it is: the step shows its time
	// and the size written so far, not a percentage.
	pr := progress.For(e.stderr, e.quiet)
	defer pr.Stop()
	pr.BeginBytes("正在备份 (backing up)", 0)
	if err := db.BackupProgress(ctx, file, func(n int64) { pr.Set(n) }); err != nil {
		return err
	}
	if fi, err := os.Stat(file); err == nil {
		pr.EndWith("%s", sizeOf(fi.Size()))
	}
	pr.Begin("正在校验备份 (verifying the backup)", 0)
	info, err := sqlite.CheckFile(ctx, file)
	if err != nil {
		return gongfu.Failf(gongfu.EINVALID, "备份已写入 %s，但校验未通过：%s",
			file, gongfu.ErrorMessage(err))
	}
	pr.EndWith("审计链 %d 条 (%d audit entries)", info.AuditHead, info.AuditHead)
	fmt.Fprintf(e.stdout, "已备份到 %s：%s，审计链 %d 条，校验通过 (backed up to %s: %s, %d audit entries, verified)\n",
		file, sizeOf(info.Size), info.AuditHead, file, sizeOf(info.Size), info.AuditHead)
	return nil
}

func runRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "restore", restoreUsage)
	dbPath := fs.String("db", defaultDB, "database")
	force := fs.Bool("force", false, "replace an existing database")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return helpOr(e, restoreUsage, err)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: 需要一个备份文件 (want one FILE)", errUsage)
	}
	file := pos[0]
	if postgres.IsURL(*dbPath) {
		return pgRoute(*dbPath, file, true)
	}
	// Two steps: the check of the backup (quick_check and the audit chain,
	// which count nothing) and the copy, counted in bytes.
	pr := progress.For(e.stderr, e.quiet)
	defer pr.Stop()
	pr.Begin("正在校验备份 (checking the backup)", 0)
	copying := false
	info, err := sqlite.RestoreProgress(ctx, file, *dbPath, *force, func(done, total int64) {
		if !copying {
			copying = true
			pr.End()
			pr.BeginBytes("正在复制 (copying)", total)
		}
		pr.Set(done)
	})
	if err != nil {
		return err
	}
	pr.EndWith("%s", sizeOf(info.Size))
	fmt.Fprintf(e.stdout, "已从 %s 恢复到 %s：%s，审计链 %d 条，校验通过 (restored %s to %s: %s, %d audit entries, verified)\n",
		file, *dbPath, sizeOf(info.Size), info.AuditHead, file, *dbPath, sizeOf(info.Size), info.AuditHead)
	return nil
}

// sizeOf shows a byte count for people.
func sizeOf(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节 (bytes)", n)
}

// libpqParams are the connection parameters pg_dump and pg_restore (libpq)
// accept in a URL; pgx's own (pool_max_conns…) and run-time parameters
// (search_path) would make them refuse the URL.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "passfile": true,
	"channel_binding": true, "connect_timeout": true, "client_encoding": true, "options": true,
	"application_name": true, "fallback_application_name": true, "keepalives": true,
	"keepalives_idle": true, "keepalives_interval": true, "keepalives_count": true,
	"tcp_user_timeout": true, "sslmode": true, "sslcompression": true, "sslcert": true,
	"sslkey": true, "sslpassword": true, "sslrootcert": true, "sslcrl": true, "sslcrldir": true,
	"sslsni": true, "requirepeer": true, "ssl_min_protocol_version": true,
	"ssl_max_protocol_version": true, "krbsrvname": true, "gsslib": true, "gssencmode": true,
	"service": true, "target_session_attrs": true, "load_balance_hosts": true,
}

// pgCommands returns the pg_dump and pg_restore command lines for the
// gongfu database URL dsn and the dump file: the URL without its password
// (pg_dump asks for it, or reads PGPASSWORD or ~/.pgpass) and without the
// parameters libpq does not know; a search_path becomes --schema, so that
// the dump holds gongfu's schema only. hadPassword tells whether one was
// left out.
func pgCommands(dsn, file string) (dump, restore string, hadPassword bool, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", false, err
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			hadPassword = true
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	var schema string
	if sp := q.Get("search_path"); sp != "" {
		schema = strings.Trim(strings.TrimSpace(strings.Split(sp, ",")[0]), `"`)
	}
	if q.Has("password") {
		hadPassword = true
	}
	for k := range q {
		if !libpqParams[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	clean := u.String()
	dump = "pg_dump --format=custom --file " + shellQuote(file)
	if schema != "" {
		dump += " --schema=" + shellQuote(schema)
	}
	dump += " " + shellQuote(clean)
	restore = "pg_restore --clean --if-exists --dbname " + shellQuote(clean) + " " + shellQuote(file)
	return dump, restore, hadPassword, nil
}

// pgRoute is the answer of backup and restore for a PostgreSQL database:
// PostgreSQL's own tools do this better than gongfu could (consistent
// snapshots under load, parallel restore, point-in-time recovery), so the
// command refuses and prints the exact commands instead.
func pgRoute(dsn, file string, restoring bool) error {
	dump, restore, hadPassword, err := pgCommands(dsn, file)
	if err != nil {
		return gongfu.Failf(gongfu.EINVALID, "--db 不是有效的 PostgreSQL 地址")
	}
	var e *gongfu.Error
	if restoring {
		e = gongfu.Failf(gongfu.EINVALID, "PostgreSQL 数据库请用 pg_restore 恢复（先停止 gongfu serve），命令如下")
		e.Details = []string{restore}
	} else {
		e = gongfu.Failf(gongfu.EINVALID, "PostgreSQL 数据库请用 pg_dump 备份（服务运行时即可），命令如下；恢复用 pg_restore")
		e.Details = []string{dump, restore}
	}
	if hadPassword {
		e.Details = append(e.Details, "命令中不含密码：pg_dump 会询问，或用 PGPASSWORD 环境变量、~/.pgpass 提供 (the password is left out: give it when asked, or with PGPASSWORD or ~/.pgpass)")
	}
	return e
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
