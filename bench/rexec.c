/*
 * rexec: the programs of the rules-engine benchmark (bench/rules-engine.sh, issue 16).
 * Built statically, so that a target's start-up (the floor of every latency) is short.
 *
 * Drivers (run under the name rexec):
 *
 *   rexec seq N OUT TARGET NEEDLE COUNT TIMEOUT_MS
 *       N times, one at a time: fork; the child points stdout at OUT (appending), reads
 *       CLOCK_MONOTONIC just before execve and passes it to TARGET in argv ("wait" role);
 *       the parent reaps it before the next fork.
 *   rexec burst FORKERS PER TARGET SLEEP_MS NEEDLE COUNT
 *       FORKERS processes, released together, each start PER copies of TARGET ("sleep"
 *       role) as fast as vfork allows, then reap them. Each forker prints one line:
 *       "FIRST_START_NS LAST_START_NS IN_GROUP NOT_IN_GROUP OTHER".
 *
 * Targets (a copy of this program under a name a rule matches):
 *
 *   NAME wait T0_NS NEEDLE COUNT TIMEOUT_MS
 *       polls /proc/self/cgroup (one pread per poll, a sched_yield between polls, so a
 *       daemon on the same CPU runs) until NEEDLE occurs COUNT times (e.g.
 *       ":/PREFIX/lat\n" for the memory and the cpu line), then prints
 *       "NOW-T0 FIRST_POLL-T0" in ns; after TIMEOUT_MS without, prints "-1 FIRST_POLL-T0"
 *       and exits 1. FIRST_POLL-T0 is the floor: exec and start-up of the target.
 *   NAME sleep SLEEP_MS NEEDLE COUNT
 *       sleeps, then reads /proc/self/cgroup once: exit 0 when in the group, 3 when not
 *       (a process the daemon lost).
 *   NAME pause
 *       waits for a signal (the sleepers cgclassify moves).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int occurrences(const char *hay, const char *needle)
{
	int n = 0;
	size_t len = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)); p += len)
		n++;
	return n;
}

/* Whether /proc/self/cgroup (already open as FD) shows NEEDLE COUNT times. */
static int in_group(int fd, const char *needle, int count)
{
	char buf[8192];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n < 0)
		return 0;
	buf[n] = 0;
	return occurrences(buf, needle) >= count;
}

static int target_wait(char **argv)
{
	long long t0 = atoll(argv[2]);
	const char *needle = argv[3];
	int count = atoi(argv[4]);
	long long timeout = atoll(argv[5]) * 1000000LL;
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("/proc/self/cgroup");
		return 2;
	}
	long long first = now_ns();
	for (;;) {
		if (in_group(fd, needle, count)) {
			long long t = now_ns();
			printf("%lld %lld\n", t - t0, first - t0);
			return 0;
		}
		if (now_ns() - first > timeout) {
			printf("-1 %lld\n", first - t0);
			return 1;
		}
		sched_yield();
	}
}

static int target_sleep(char **argv)
{
	long long ms = atoll(argv[2]);
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&d, &d) < 0 && errno == EINTR)
		;
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 2;
	return in_group(fd, argv[3], atoi(argv[4])) ? 0 : 3;
}

static int drive_seq(char **argv)
{
	int n = atoi(argv[2]);
	int out = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0) {
		perror(argv[3]);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			char t0[32];
			if (dup2(out, 1) < 0)
				_exit(2);
			char *args[] = { argv[4], "wait", t0, argv[5], argv[6], argv[7], NULL };
			snprintf(t0, sizeof t0, "%lld", now_ns());
			execv(argv[4], args);
			perror(argv[4]);
			_exit(127);
		}
		int status;
		if (waitpid(pid, &status, 0) < 0) {
			perror("waitpid");
			return 2;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
			fprintf(stderr, "rexec: target failed (status %#x)\n", status);
			return 2;
		}
	}
	return 0;
}

static int drive_burst(char **argv)
{
	int forkers = atoi(argv[2]), per = atoi(argv[3]);
	int gate[2];
	if (pipe(gate) < 0) {
		perror("pipe");
		return 2;
	}
	pid_t *kids = calloc(forkers, sizeof *kids);
	for (int f = 0; f < forkers; f++) {
		kids[f] = fork();
		if (kids[f] < 0) {
			perror("fork");
			return 2;
		}
		if (kids[f] > 0)
			continue;
		char c;
		close(gate[1]);
		if (read(gate[0], &c, 1) < 0)
			_exit(2);
		char *args[] = { argv[4], "sleep", argv[5], argv[6], argv[7], NULL };
		long long first = now_ns(), last = first;
		int started = 0;
		for (int i = 0; i < per; i++) {
			last = now_ns();
			pid_t pid = vfork();
			if (pid == 0) {
				execv(argv[4], args);
				_exit(127);
			}
			if (pid > 0)
				started++;
		}
		int in = 0, out = 0, other = per - started, status;
		while (wait(&status) > 0) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				in++;
			else if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
				out++;
			else
				other++;
		}
		printf("%lld %lld %d %d %d\n", first, last, in, out, other);
		fflush(stdout);
		_exit(0);
	}
	close(gate[1]); /* releases the forkers */
	int bad = 0, status;
	for (int f = 0; f < forkers; f++)
		if (waitpid(kids[f], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
	return bad ? 2 : 0;
}

int main(int argc, char **argv)
{
	const char *role = argc > 1 ? argv[1] : "";
	if (!strcmp(role, "seq") && argc == 8)
		return drive_seq(argv);
	if (!strcmp(role, "burst") && argc == 8)
		return drive_burst(argv);
	if (!strcmp(role, "wait") && argc == 6)
		return target_wait(argv);
	if (!strcmp(role, "sleep") && argc == 5)
		return target_sleep(argv);
	if (!strcmp(role, "pause") && argc == 2) {
		for (;;)
			pause();
	}
	fprintf(stderr, "usage: see bench/rexec.c\n");
	return 2;
}
