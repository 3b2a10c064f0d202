/*
 * floor: the least work a tool can do to reach the cgroup state (or print the output)
 * of each benchmarked workload. bench/run.sh times it next to cgtools and libcgroup, so
 * "ours/floor" says how much of a tool's time is overhead above the kernel's own cost.
 *
 * What "least work" means here (the rules every subcommand follows):
 *  - Only the syscalls that reach the state: mkdir, open/write/close of a setting, one
 *    chown per file, one write per pid to cgroup.procs, getdents for listings, execve.
 *    No stat before a write, no read-back, no re-open of the mount table per group, no
 *    checks: the harness verifies the state the floor reaches is the same as the tools'.
 *  - Like any tool, the floor does not know where the controllers are mounted: it reads
 *    /proc/self/mountinfo once per process (open, read until EOF, close). A floor with
 *    hard-coded mount points would be lower by ~20 us per process, a saving no real tool
 *    can have, so it is not counted as available.
 *  - Paths are walked from an open directory where that saves the kernel a path lookup
 *    (mkdirat/openat/fchownat relative to the parent or group directory).
 *  - A directory's files are listed once per group with getdents64 before chowning them:
 *    which files a group has depends on its hierarchy's controllers (and on v2 on what the
 *    parent enables), so a general tool has to look. Caching one group's list for all its
 *    siblings would save 2 getdents64 per group; no tool does it and the saving is small.
 *  - No parsing of cgconfig.conf: `apply` builds the same groups as `genconf` prints from
 *    the same loop. Parsing is the tools' own overhead and is part of what the ratio shows.
 *  - Output goes through one 64 KiB stdio buffer (a few write(2) calls for 1000 lines).
 *
 * Subcommands (SPEC is CONTROLLERS:PATH, e.g. cpu,memory:/a/b, as for the tools' -g):
 *   exec SPEC... -- CMD ARGS     move self into each group (write "0" to cgroup.procs: the
 *                                kernel reads 0 as the writer), then execvp    = cgexec
 *   create SPEC...               mkdir in each hierarchy (parents as needed)  = cgcreate
 *   delete SPEC...               rmdir in each hierarchy                       = cgdelete
 *   classify SPEC PID...         one open of cgroup.procs per hierarchy, one write per
 *                                pid                                          = cgclassify
 *   list SPEC...                 pre-order walk, one line per group           = lscgroup
 *   get NAME PATH...             open/read/close NAME in each group           = cgget -r
 *   snapshot DENYFILE CTRL...    every group of the hierarchies: list, stat the candidate
 *                                files (only owner-writable ones are settings), read the
 *                                settings, print a cgconfig.conf              = cgsnapshot
 *   genconf N BASE [USER GROUP]  print the benchmark's cgconfig.conf (perm owner by name,
 *                                default nobody:nogroup)
 *   apply N BASE [UID GID]       reach the state that file describes (the same owner, as
 *                                numbers: resolving names is the tools' job) = cgconfigparser
 *   rmtree DIR...                rmdir every directory below DIR and DIR, bottom-up
 *                                (harness cleanup; never touches a file or a task)
 *
 * Exit status: 0, or 1 with a message naming the failing call.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAXH 32

struct hier {
	char mnt[512];   /* mount point */
	char ctrls[256]; /* controllers as lscgroup prints them, e.g. "cpu,cpuacct" */
	int v2;
};
static struct hier hiers[MAXH];
static int nhiers;

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "floor: %s %s: %s\n", what, path ? path : "", strerror(errno));
	exit(1);
}

/* The mount table, read once: one open, reads until EOF, one close. */
static void read_mounts(void)
{
	static char buf[1 << 16];
	size_t len = 0;
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open", "/proc/self/mountinfo");
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n < 0)
			fail("read", "/proc/self/mountinfo");
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	for (char *line = buf; line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		/* id parent dev root MOUNTPOINT opts [optional...] - FSTYPE SOURCE SUPEROPTS */
		char *f[5] = {0};
		char *p = line;
		for (int i = 0; i < 5 && p; i++) {
			f[i] = p;
			p = strchr(p, ' ');
			if (p)
				*p++ = 0;
		}
		char *dash = p ? strstr(p, " - ") : NULL;
		if (f[4] && dash && nhiers < MAXH) {
			char *fstype = dash + 3, *source = strchr(fstype, ' ');
			char *opts = source ? strchr(source + 1, ' ') : NULL;
			if (source)
				*source = 0;
			if (opts)
				opts++;
			struct hier *h = &hiers[nhiers];
			if (strcmp(fstype, "cgroup") == 0 && opts) {
				/* Keep the controller words of the super options. */
				h->ctrls[0] = 0;
				for (char *w = strtok(opts, ","); w; w = strtok(NULL, ",")) {
					if (!strcmp(w, "rw") || !strcmp(w, "ro") || !strncmp(w, "release_agent", 13) ||
					    !strcmp(w, "clone_children") || !strcmp(w, "noprefix") || !strcmp(w, "xattr") ||
					    !strcmp(w, "nsroot") || !strcmp(w, "cpuset_v2_mode"))
						continue;
					if (h->ctrls[0])
						strcat(h->ctrls, ",");
					strncat(h->ctrls, w, sizeof h->ctrls - strlen(h->ctrls) - 2);
				}
				snprintf(h->mnt, sizeof h->mnt, "%s", f[4]);
				h->v2 = 0;
				nhiers++;
			} else if (strcmp(fstype, "cgroup2") == 0) {
				snprintf(h->mnt, sizeof h->mnt, "%s", f[4]);
				h->ctrls[0] = 0;
				h->v2 = 1;
				nhiers++;
			}
		}
		line = next;
	}
}

static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return 1;
	return 0;
}

/* The hierarchy of a controller: its v1 mount, else the cgroup2 mount. */
static struct hier *hier_of(const char *ctrl)
{
	struct hier *v2 = NULL;
	for (int i = 0; i < nhiers; i++) {
		if (!hiers[i].v2 && has_word(hiers[i].ctrls, ctrl))
			return &hiers[i];
		if (hiers[i].v2)
			v2 = &hiers[i];
	}
	if (!v2) {
		fprintf(stderr, "floor: controller %s is not mounted\n", ctrl);
		exit(1);
	}
	return v2;
}

/* CONTROLLERS:PATH -> the distinct hierarchies and the path (without leading '/'). */
static int parse_spec(const char *spec, struct hier **out, const char **path)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s", spec);
	char *colon = strchr(buf, ':');
	if (!colon) {
		fprintf(stderr, "floor: %s: expected CONTROLLERS:PATH\n", spec);
		exit(1);
	}
	*colon = 0;
	*path = spec + (colon - buf) + 1;
	while (**path == '/')
		(*path)++;
	int n = 0;
	for (char *c = strtok(buf, ","); c; c = strtok(NULL, ",")) {
		struct hier *h = hier_of(c);
		int dup = 0;
		for (int i = 0; i < n; i++)
			dup |= out[i] == h;
		if (!dup)
			out[n++] = h;
	}
	return n;
}

static void join(char *dst, size_t size, const struct hier *h, const char *path, const char *file)
{
	snprintf(dst, size, "%s%s%s%s%s", h->mnt, *path ? "/" : "", path, file ? "/" : "", file ? file : "");
}

/* mkdir -p semantics: one mkdir when the parent exists (the common case). */
static void mkdir_p(char *dir)
{
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return;
	if (errno != ENOENT)
		fail("mkdir", dir);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		fail("mkdir", dir);
	*slash = 0;
	mkdir_p(dir);
	*slash = '/';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		fail("mkdir", dir);
}

static int cmd_exec(int argc, char **argv)
{
	int i = 0;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		struct hier *hs[MAXH];
		const char *path;
		int n = parse_spec(argv[i], hs, &path);
		for (int k = 0; k < n; k++) {
			char file[4096];
			join(file, sizeof file, hs[k], path, "cgroup.procs");
			int fd = open(file, O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				fail("open", file);
			if (write(fd, "0", 1) < 0)
				fail("write", file);
			close(fd);
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "floor exec: no command\n");
		return 1;
	}
	execvp(argv[i + 1], argv + i + 1);
	fail("execvp", argv[i + 1]);
	return 1;
}

static int cmd_create(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-g"))
			continue; /* accepted so a loop can pass the tools' arguments unchanged */
		struct hier *hs[MAXH];
		const char *path;
		int n = parse_spec(argv[i], hs, &path);
		for (int k = 0; k < n; k++) {
			char dir[4096];
			join(dir, sizeof dir, hs[k], path, NULL);
			mkdir_p(dir);
		}
	}
	return 0;
}

static int cmd_delete(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-g"))
			continue; /* accepted so a loop can pass the tools' arguments unchanged */
		struct hier *hs[MAXH];
		const char *path;
		int n = parse_spec(argv[i], hs, &path);
		for (int k = 0; k < n; k++) {
			char dir[4096];
			join(dir, sizeof dir, hs[k], path, NULL);
			if (rmdir(dir) < 0)
				fail("rmdir", dir);
		}
	}
	return 0;
}

static int cmd_classify(int argc, char **argv)
{
	if (argc < 1)
		return 1;
	struct hier *hs[MAXH];
	const char *path;
	int n = parse_spec(argv[0], hs, &path);
	for (int k = 0; k < n; k++) {
		char file[4096];
		join(file, sizeof file, hs[k], path, "cgroup.procs");
		int fd = open(file, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			fail("open", file);
		/* The kernel takes one pid per write to cgroup.procs. */
		for (int i = 1; i < argc; i++)
			if (write(fd, argv[i], strlen(argv[i])) < 0)
				fail("write", argv[i]);
		close(fd);
	}
	return 0;
}

/* Directory entries: getdents64 until it returns 0. */
struct dent {
	unsigned long long ino;
	long long off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static void walk(int dirfd, const char *label, char *path, size_t len)
{
	char buf[32768];
	for (;;) {
		long n = syscall(SYS_getdents64, dirfd, buf, sizeof buf);
		if (n < 0)
			fail("getdents64", path);
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct dent *d = (struct dent *)(buf + off);
			off += d->reclen;
			if (d->type != DT_DIR || !strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			size_t l = len + 1 + strlen(d->name);
			path[len] = '/';
			strcpy(path + len + 1, d->name);
			printf("%s:%s\n", label, path);
			int fd = openat(dirfd, d->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				fail("open", path);
			walk(fd, label, path, l);
			close(fd);
			path[len] = 0;
		}
	}
}

static int cmd_list(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct hier *hs[MAXH];
		const char *path;
		int n = parse_spec(argv[i], hs, &path);
		for (int k = 0; k < n; k++) {
			char dir[4096], rel[4096];
			join(dir, sizeof dir, hs[k], path, NULL);
			int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				fail("open", dir);
			/* lscgroup prints a non-root start group with a trailing '/'. */
			snprintf(rel, sizeof rel, "/%s", path);
			printf("%s:%s%s\n", hs[k]->ctrls, rel, *path ? "/" : "");
			walk(fd, hs[k]->ctrls, rel, *path ? strlen(rel) : 0);
			close(fd);
		}
	}
	return 0;
}

static int cmd_get(int argc, char **argv)
{
	if (argc < 1)
		return 1;
	const char *name = argv[0];
	char ctrl[256];
	snprintf(ctrl, sizeof ctrl, "%.*s", (int)strcspn(name, "."), name);
	struct hier *h = hier_of(ctrl);
	for (int i = 1; i < argc; i++) {
		char file[4096], val[4096];
		const char *path = argv[i];
		while (*path == '/')
			path++;
		join(file, sizeof file, h, path, name);
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("open", file);
		ssize_t n = read(fd, val, sizeof val - 1);
		if (n < 0)
			fail("read", file);
		close(fd);
		while (n > 0 && val[n - 1] == '\n')
			n--;
		val[n] = 0;
		printf("%s:\n%s: %s\n\n", argv[i], name, val);
	}
	return 0;
}

/* snapshot: deny list, then one group at a time in pre-order. */
static char *deny[256];
static int ndeny;

static int denied(const char *name)
{
	for (int i = 0; i < ndeny; i++)
		if (!strcmp(deny[i], name))
			return 1;
	return 0;
}

static void snap_group(int dirfd, struct hier *h, char *path, size_t len)
{
	char buf[32768];
	char *subdirs[4096];
	int nsub = 0, header = 0;
	char block[256] = ""; /* the controller block open in the output */
	for (;;) {
		long n = syscall(SYS_getdents64, dirfd, buf, sizeof buf);
		if (n <= 0)
			break; /* an error: the group was removed while we read it */
		for (long off = 0; off < n;) {
			struct dent *d = (struct dent *)(buf + off);
			off += d->reclen;
			if (d->name[0] == '.')
				continue;
			if (d->type == DT_DIR) {
				if (nsub < 4096)
					subdirs[nsub++] = strdup(d->name);
				continue;
			}
			/* A setting is a controller's file ("memory.x") the owner may write. */
			size_t cl = strcspn(d->name, ".");
			if (!d->name[cl] || !len || denied(d->name))
				continue;
			char ctrl[256];
			snprintf(ctrl, sizeof ctrl, "%.*s", (int)cl, d->name);
			if (!has_word(h->ctrls, ctrl))
				continue;
			struct stat st;
			if (fstatat(dirfd, d->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue; /* the group went away meanwhile: the machine's groups come and go */
			if (!(st.st_mode & S_IWUSR))
				continue;
			char val[8192];
			int fd = openat(dirfd, d->name, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue; /* some settings cannot be read: not captured */
			ssize_t r = read(fd, val, sizeof val - 1);
			close(fd);
			if (r < 0)
				continue;
			while (r > 0 && val[r - 1] == '\n')
				r--;
			val[r] = 0;
			if (!header)
				printf("group %s {\n", path + 1);
			header = 1;
			if (strcmp(block, ctrl)) {
				/* Co-mounted controllers interleave in getdents order: a new block
				 * per change (the harness compares sorted settings, not the text). */
				printf("%s\t%s {\n", block[0] ? "\t}\n" : "", ctrl);
				snprintf(block, sizeof block, "%s", ctrl);
			}
			printf("\t\t%s = %s;\n", d->name, val);
		}
	}
	if (header)
		printf("\t}\n}\n\n");
	for (int i = 0; i < nsub; i++) {
		path[len] = '/';
		strcpy(path + len + 1, subdirs[i]);
		int fd = openat(dirfd, subdirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) { /* else removed since the listing */
			snap_group(fd, h, path, len + 1 + strlen(subdirs[i]));
			close(fd);
		}
		path[len] = 0;
		free(subdirs[i]);
	}
}

static int cmd_snapshot(int argc, char **argv)
{
	if (argc < 1)
		return 1;
	FILE *f = fopen(argv[0], "re");
	if (!f)
		fail("open", argv[0]);
	char line[256];
	while (ndeny < 256 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0])
			deny[ndeny++] = strdup(line);
	}
	fclose(f);
	printf("# Configuration file generated by cgsnapshot\nmount {\n");
	for (int i = 1; i < argc; i++)
		printf("\t%s = %s;\n", argv[i], hier_of(argv[i])->mnt);
	printf("}\n\n");
	for (int i = 1; i < argc; i++) {
		struct hier *h = hier_of(argv[i]);
		int fd = open(h->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fail("open", h->mnt);
		char path[4096] = "";
		snap_group(fd, h, path, 0);
		close(fd);
	}
	return 0;
}

/*
 * The benchmark's configuration: N two-level groups BASE/p<i/50>/g<i> in cpu and memory,
 * each with cpu.shares and memory.limit_in_bytes, every even one with a perm block giving
 * both the tasks file and the group (directory and files) to UID:GID.
 */
static long shares(long i) { return 100 + i % 900; }
static long limit_mib(long i) { return 64 + i % 512; }

static int cmd_genconf(int argc, char **argv)
{
	if (argc < 2)
		return 1;
	long n = atol(argv[0]);
	const char *base = argv[1], *uid = argc > 2 ? argv[2] : "nobody", *gid = argc > 3 ? argv[3] : "nogroup";
	for (long i = 0; i < n; i++) {
		printf("group %s/p%ld/g%ld {\n", base, i / 50, i);
		if (i % 2 == 0)
			printf("  perm {\n    task { uid = %s; gid = %s; }\n    admin { uid = %s; gid = %s; }\n  }\n", uid, gid,
			       uid, gid);
		printf("  cpu { cpu.shares = %ld; }\n  memory { memory.limit_in_bytes = %ldM; }\n}\n", shares(i),
		       limit_mib(i));
	}
	return 0;
}

static void write_setting(int dirfd, const char *file, const char *value)
{
	int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open", file);
	if (write(fd, value, strlen(value)) < 0)
		fail("write", file);
	close(fd);
}

/* Give a new group and every file in it to uid:gid: one listing, one chown per entry. */
static void chown_group(int gfd, const char *name, uid_t uid, gid_t gid)
{
	char buf[32768];
	for (;;) {
		long n = syscall(SYS_getdents64, gfd, buf, sizeof buf);
		if (n < 0)
			fail("getdents64", name);
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct dent *d = (struct dent *)(buf + off);
			off += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			if (fchownat(gfd, d->name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
				fail("chown", d->name);
		}
	}
	if (fchown(gfd, uid, gid) < 0)
		fail("chown", name);
}

static int cmd_apply(int argc, char **argv)
{
	if (argc < 2)
		return 1;
	long n = atol(argv[0]);
	const char *base = argv[1];
	uid_t uid = argc > 2 ? (uid_t)atol(argv[2]) : 65534;
	gid_t gid = argc > 3 ? (gid_t)atol(argv[3]) : 65534;
	const char *ctrl[2] = {"cpu", "memory"};
	for (int c = 0; c < 2; c++) {
		struct hier *h = hier_of(ctrl[c]);
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/%s", h->mnt, base);
		mkdir_p(dir);
		int pfd = -1;
		for (long i = 0; i < n; i++) {
			char name[64], value[64];
			if (i % 50 == 0) {
				/* A new parent: mkdir it and keep it open for its 50 children. */
				if (pfd >= 0)
					close(pfd);
				snprintf(dir, sizeof dir, "%s/%s/p%ld", h->mnt, base, i / 50);
				if (mkdir(dir, 0755) < 0 && errno != EEXIST)
					fail("mkdir", dir);
				pfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (pfd < 0)
					fail("open", dir);
			}
			snprintf(name, sizeof name, "g%ld", i);
			if (mkdirat(pfd, name, 0755) < 0)
				fail("mkdir", name);
			const char *file = c == 0 ? "cpu.shares" : "memory.limit_in_bytes";
			if (c == 0)
				snprintf(value, sizeof value, "%ld", shares(i));
			else
				snprintf(value, sizeof value, "%ldM", limit_mib(i));
			if (i % 2 == 0) {
				int gfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (gfd < 0)
					fail("open", name);
				chown_group(gfd, name, uid, gid);
				write_setting(gfd, file, value);
				close(gfd);
			} else {
				char rel[128];
				snprintf(rel, sizeof rel, "%s/%s", name, file);
				write_setting(pfd, rel, value);
			}
		}
		if (pfd >= 0)
			close(pfd);
	}
	return 0;
}

static void rmtree_at(int parent, const char *name, const char *path)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		fail("open", path);
	}
	char buf[32768];
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct dent *d = (struct dent *)(buf + off);
			off += d->reclen;
			if (d->type == DT_DIR && strcmp(d->name, ".") && strcmp(d->name, ".."))
				rmtree_at(fd, d->name, d->name);
		}
	}
	close(fd);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		fprintf(stderr, "floor: rmdir %s: %s\n", path, strerror(errno));
}

static int cmd_rmtree(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		rmtree_at(AT_FDCWD, argv[i], argv[i]);
	return 0;
}

int main(int argc, char **argv)
{
	static char out[1 << 16];
	setvbuf(stdout, out, _IOFBF, sizeof out);
	if (argc < 2) {
		fprintf(stderr, "usage: floor exec|create|delete|classify|list|get|snapshot|genconf|apply|rmtree ARGS\n");
		return 1;
	}
	const char *cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (!strcmp(cmd, "genconf"))
		return cmd_genconf(argc, argv);
	if (!strcmp(cmd, "rmtree"))
		return cmd_rmtree(argc, argv);
	read_mounts();
	if (!strcmp(cmd, "exec"))
		return cmd_exec(argc, argv);
	if (!strcmp(cmd, "create"))
		return cmd_create(argc, argv);
	if (!strcmp(cmd, "delete"))
		return cmd_delete(argc, argv);
	if (!strcmp(cmd, "classify"))
		return cmd_classify(argc, argv);
	if (!strcmp(cmd, "list"))
		return cmd_list(argc, argv);
	if (!strcmp(cmd, "get"))
		return cmd_get(argc, argv);
	if (!strcmp(cmd, "snapshot"))
		return cmd_snapshot(argc, argv);
	if (!strcmp(cmd, "apply"))
		return cmd_apply(argc, argv);
	fprintf(stderr, "floor: unknown subcommand %s\n", cmd);
	return 1;
}
