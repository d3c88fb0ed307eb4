package sqlite

// Backup and restore of the database file.
//
// A backup is made with VACUUM INTO on a connection of the read pool: it
// reads one snapshot of the database (WAL), so it neither waits for writers
// nor makes them wait, and it can run beside a live server. It writes a
// compact, self-contained file (rollback journal, no -wal beside it) that
// SQLite can open directly; Open turns it back into WAL mode. The copy is
// written to a temporary file, synced, and only then given its name, so a
// backup interrupted half-way never leaves a truncated file under the name
// an operator would restore from.
//
// A restore checks the file first (CheckFile: a SQLite database, a gongfu
// schema this program knows, an intact audit chain), refuses a destination
// that a running server holds open, and puts the copy in place by renaming
// a synced temporary file over it, after removing the destination's stale
// -wal and -shm, which would otherwise be replayed into the restored file.

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gongfu"
)

// Backup writes a consistent copy of the database to path, which must not
// exist: an existing file is never overwritten (EINVALID). It runs while the
// database is in use, including by other processes. An in-memory database
// cannot be backed up (EINVALID).
func (db *DB) Backup(ctx context.Context, path string) error {
	return db.BackupProgress(ctx, path, nil)
}

// BackupProgress is Backup telling written, when not nil, the size of the
// copy so far, a few times a second while VACUUM INTO writes it, from
// another goroutine. The final size is not known beforehand (VACUUM INTO
// leaves out free pages), so there is no total to tell.
func (db *DB) BackupProgress(ctx context.Context, path string, written func(bytes int64)) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return exists(path)
	}
	dir := filepath.Dir(abs)
	tmp, err := os.CreateTemp(dir, ".gongfu-backup-*.db")
	if err != nil {
		return gongfu.Failf(gongfu.EINVALID, "无法在 %s 中写入备份：%v", dir, pathErr(err))
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName) // after a link, or on failure

	stopWatch := watchSize(tmpName, written)
	err = db.vacuumInto(ctx, tmpName)
	stopWatch()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO does not sync its output; a backup is worth a flush.
	if err := syncFile(tmpName); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if fi, err := os.Stat(tmpName); err != nil || fi.Size() == 0 {
		// The memdb VFS writes VACUUM INTO's output to memory, not the file.
		return gongfu.Failf(gongfu.EINVALID, "内存数据库无法备份")
	}
	// A hard link gives the backup its name only if the name is still free;
	// where links are not supported, check and rename.
	if err := os.Link(tmpName, abs); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return exists(path)
		}
		if _, serr := os.Lstat(abs); serr == nil {
			return exists(path)
		}
		if err := os.Rename(tmpName, abs); err != nil {
			return gongfu.Failf(gongfu.EINVALID, "无法写入备份 %s：%v", path, pathErr(err))
		}
	}
	syncDir(dir)
	return nil
}

// watchSize calls written with the size of the file at path every 200 ms
// until the function it returns is called, which waits for the last call to
// return. A nil written watches nothing.
func watchSize(path string, written func(int64)) (stop func()) {
	if written == nil {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				if fi, err := os.Stat(path); err == nil {
					written(fi.Size())
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

// vacuumInto runs VACUUM INTO dst on a connection of the read pool, lifting
// its query_only for the statement (SQLite counts VACUUM as a write even
// when it only reads this database). A connection whose query_only cannot
// be restored is discarded rather than returned to the pool.
func (db *DB) vacuumInto(ctx context.Context, dst string) error {
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return translate(err)
	}
	_, err = conn.ExecContext(ctx, `VACUUM INTO ?`, dst)
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA query_only = 1`); rerr != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return translate(err)
}

// FileInfo describes a database file CheckFile accepted.
type FileInfo struct {
	Size       int64 // bytes
	Migrations int   // schema migrations applied
	AuditHead  int64 // sequence number of the newest audit entry
}

// CheckFile checks that path is a gongfu SQLite database that can be
// restored: a SQLite file passing quick_check, with no write-ahead log of
// its own beside it (a live or uncleanly closed database, whose file alone
// is incomplete), whose schema migrations are all known to this program,
// and whose audit chain verifies. It opens the file read-only and changes
// nothing. Every refusal is EINVALID.
func CheckFile(ctx context.Context, path string) (*FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", path)
	}
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
		return nil, gongfu.Failf(gongfu.EINVALID,
			"%s 旁边有未合并的预写日志（%s-wal），它是正在使用或未正常关闭的数据库，单独复制该文件并不完整；请用 gongfu backup 生成备份",
			path, path)
	}
	ro, err := openReadOnly(path)
	if err != nil {
		return nil, err
	}
	defer ro.Close()
	var check string
	if err := ro.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是可用的 gongfu 数据库：无法读取（%v）", path, err)
	}
	if check != "ok" {
		return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是可用的 gongfu 数据库：文件已损坏（%s）", path, check)
	}
	known, err := knownMigrations()
	if err != nil {
		return nil, err
	}
	rows, err := ro.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是可用的 gongfu 数据库：没有 schema_migrations 表", path)
	}
	out := &FileInfo{Size: fi.Size()}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是可用的 gongfu 数据库：无法读取（%v）", path, err)
		}
		if !known[v] {
			rows.Close()
			return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是可用的 gongfu 数据库：数据库结构版本 %s 比本程序新，请使用新版程序", path, v)
		}
		out.Migrations++
	}
	if err := rows.Close(); err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是可用的 gongfu 数据库：无法读取（%v）", path, err)
	}
	if out.Migrations == 0 {
		return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是可用的 gongfu 数据库：没有任何数据库结构版本", path)
	}
	db := &DB{read: ro}
	if seq, err := db.VerifyAudit(ctx); err != nil {
		if seq > 0 {
			return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是可用的 gongfu 数据库：审计链在第 %d 条处断开", path, seq)
		}
		return nil, gongfu.Failf(gongfu.EINVALID, "%s 不是可用的 gongfu 数据库：无法校验审计链（%v）", path, err)
	}
	if out.AuditHead, err = db.AuditHead(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// Restore checks the backup at src with CheckFile and puts a copy of it at
// dst. An existing dst is replaced only when overwrite is set, and never
// while another connection, such as a running server, holds it open
// (ECONFLICT); its -wal and -shm go with it. The copy appears at dst
// whole or not at all.
func Restore(ctx context.Context, src, dst string, overwrite bool) (*FileInfo, error) {
	return RestoreProgress(ctx, src, dst, overwrite, nil)
}

// RestoreProgress is Restore telling copied, when not nil, how far the copy
// has come: first (0, size) once src has been checked and the copy begins,
// then after each piece copied, on the caller's goroutine.
func RestoreProgress(ctx context.Context, src, dst string, overwrite bool, copied func(done, total int64)) (*FileInfo, error) {
	info, err := CheckFile(ctx, src)
	if err != nil {
		return nil, err
	}
	srcInfo, _ := os.Stat(src)
	if dstInfo, err := os.Stat(dst); err == nil {
		if os.SameFile(srcInfo, dstInfo) {
			return nil, gongfu.Failf(gongfu.EINVALID, "备份文件和目标数据库是同一个文件")
		}
		if !overwrite {
			return nil, gongfu.Failf(gongfu.EINVALID, "数据库 %s 已存在；确认要用备份替换它时加 --force", dst)
		}
		if err := closeIdle(ctx, dst); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, gongfu.Failf(gongfu.EINVALID, "无法访问 %s：%v", dst, pathErr(err))
	}

	dir := filepath.Dir(dst)
	tmp, err := os.CreateTemp(dir, ".gongfu-restore-*.db")
	if err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "无法在 %s 中写入：%v", dir, pathErr(err))
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	in, err := os.Open(src)
	if err != nil {
		tmp.Close()
		return nil, gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", src)
	}
	err = copyFile(tmp, in, info.Size, copied)
	in.Close()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("restore: copy %s: %w", src, err)
	}
	// The destination's log files belong to the database being replaced;
	// left beside the new file, the next open would replay them into it.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, gongfu.Failf(gongfu.EINVALID, "无法删除旧的 %s%s：%v", dst, suffix, pathErr(err))
		}
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "无法写入 %s：%v", dst, pathErr(err))
	}
	syncDir(dir)
	return info, nil
}

// copyFile copies in to out, telling copied, when not nil, how far it has
// come after each piece. The pieces are large, and copied as io.Copy
// would (the kernel copies file to file where it can).
func copyFile(out, in *os.File, size int64, copied func(done, total int64)) error {
	if copied == nil {
		_, err := io.Copy(out, in)
		return err
	}
	const piece = 8 << 20
	var done int64
	copied(0, size)
	for {
		n, err := io.CopyN(out, in, piece)
		done += n
		copied(done, max(size, done))
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// closeIdle makes sure no other connection holds the database at path and
// leaves it cleanly closed: it takes an exclusive lock without waiting (a
// running server holds a shared lock as long as it is open), which also
// replays and checkpoints the WAL of an uncleanly stopped server, so that
// removing its log files afterwards loses nothing.
func closeIdle(ctx context.Context, path string) error {
	if err := checkHeader(path); err != nil {
		return gongfu.Failf(gongfu.EINVALID, "%s 不是 SQLite 数据库，不会被替换；请确认 --db，或自行删除该文件", path)
	}
	v := url.Values{"_pragma": {"busy_timeout(0)", "locking_mode(EXCLUSIVE)"}}
	conn, err := sql.Open("sqlite", dsnPath(path)+"?"+encodeValues(v))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE; COMMIT`); err != nil {
		if gongfu.ErrorCode(translate(err)) == gongfu.ECONFLICT {
			return gongfu.Failf(gongfu.ECONFLICT, "数据库 %s 正在使用（gongfu serve 是否在运行？），请先停止服务再恢复", path)
		}
		return fmt.Errorf("restore: lock %s: %w", path, err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("restore: checkpoint %s: %w", path, err)
	}
	return conn.Close()
}

// openReadOnly opens path read-only and immutable: SQLite neither writes
// nor locks the file, nor creates a -wal or -shm beside it.
func openReadOnly(path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	u := "file:" + (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath()
	v := url.Values{"mode": {"ro"}, "immutable": {"1"}, "_pragma": {"query_only(1)"}}
	db, err := sql.Open("sqlite", u+"?"+encodeValues(v))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// dsnPath writes a file path for the driver as Open does: plain, or as a
// URI when it holds a "?".
func dsnPath(path string) string {
	if strings.Contains(path, "?") {
		return "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath()
	}
	return path
}

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// checkHeader refuses a file that does not start as a SQLite database.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return gongfu.Failf(gongfu.EINVALID, "无法读取文件 %s", path)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteMagic) {
		return gongfu.Failf(gongfu.EINVALID, "%s 不是 SQLite 数据库文件", path)
	}
	return nil
}

// knownMigrations returns the names of the compiled-in migrations.
func knownMigrations() (map[string]bool, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, n := range names {
		known[strings.TrimPrefix(n, "migrations/")] = true
	}
	return known, nil
}

// exists is the refusal to overwrite path.
func exists(path string) error {
	return gongfu.Failf(gongfu.EINVALID, "文件 %s 已存在，备份不会覆盖已有文件", path)
}

// pathErr is the part of a file-system error worth showing: what went
// wrong, without repeating the path.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// syncFile flushes a file's contents to disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir flushes a directory, so that a name just given to a file
// survives a power cut. Windows cannot sync a directory; there, and on
// error, it does nothing: the data itself is already synced.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
