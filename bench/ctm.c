/*
 * ctm: time a container start the way its user sees it: from the request (the fork of the
 * command that asks for the start) to the container's init running, marked by the init
 * itself writing a line to a FIFO that is bind-mounted into the container.
 *
 *   ctm RESULTS FIFO [-j CGROUP_PROCS]... [-s MS] [-e EXITS] -- CMD [ARGS...]
 *
 * Before the clock starts, ctm opens FIFO for reading and writing (so that the init's open
 * for writing never blocks and no end-of-file is seen between runs) and, with -j, writes
 * its own pid to each CGROUP_PROCS file (the command then starts in those groups: lxc-start
 * with lxc.cgroup.relative = 1 makes its groups below them), then sleeps MS milliseconds
 * (-s, default 0). The sleep matters on cgroup v1: the first task migration after a quiet
 * spell waits for an RCU grace period (the kernel's cgroup_threadgroup_rwsem is a percpu
 * rwsem whose writer must switch its readers to the slow path), and migrations within
 * about a grace period of the last one do not. ctm's own join is such a migration: without
 * the pause the timed command would find the lock already switched and skip a cost it
 * pays on a quiet host. Then it reads the clock
 * (CLOCK_MONOTONIC), forks and execs CMD, and waits, with one poll on the FIFO and on a
 * pidfd of the child, until both the init's line has arrived and the command has exited.
 * Appends one line "MARKER_NS MAXRSS_KIB STATUS" to RESULTS (bench/tm.c's format): the time
 * to the init's line, wait4's ru_maxrss of the command and its exit status; with -e, one
 * line "EXIT_NS" to EXITS: the time to the command's exit (fork to reap). Exits with the command's status, or 124 when the line did not come within 30 s
 * (after the command exited with 0), so that the harness sees a failed start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: ctm RESULTS FIFO [-j CGROUP_PROCS]... [-s MS] [-e EXITS] -- CMD [ARGS...]\n");
		return 2;
	}
	const char *results = argv[1];
	int fifo = open(argv[2], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		perror(argv[2]);
		return 2;
	}
	int i = 3, settle_ms = 0;
	const char *exits = NULL;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			settle_ms = atoi(argv[++i]);
			continue;
		}
		if (!strcmp(argv[i], "-e") && i + 1 < argc) {
			exits = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "-j") || i + 1 >= argc) {
			fprintf(stderr, "ctm: unexpected %s\n", argv[i]);
			return 2;
		}
		int fd = open(argv[++i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			fprintf(stderr, "ctm: joining %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		close(fd);
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "ctm: no command after --\n");
		return 2;
	}
	if (settle_ms > 0)
		usleep(settle_ms * 1000);
	char drain[512];
	while (read(fifo, drain, sizeof drain) > 0)
		; /* a line left by an earlier, untimed run */

	long long t0 = now_ns(), marker = -1, exited = -1;
	pid_t pid = fork();
	if (pid < 0) {
		perror("ctm: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[i + 1], argv + i + 1);
		perror(argv[i + 1]);
		_exit(127);
	}
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		perror("ctm: pidfd_open");
		return 2;
	}
	int status = 0;
	struct rusage ru = {0};
	long long deadline = t0 + 30000000000LL;
	while (marker < 0 || exited < 0) {
		struct pollfd p[2] = {
		    {.fd = marker < 0 ? fifo : -1, .events = POLLIN},
		    {.fd = exited < 0 ? pidfd : -1, .events = POLLIN},
		};
		long long left = (deadline - now_ns()) / 1000000;
		if (left <= 0)
			break;
		int r = poll(p, 2, (int)left);
		long long t = now_ns();
		if (r < 0 && errno != EINTR) {
			perror("ctm: poll");
			return 2;
		}
		if (r <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			marker = t;
			while (read(fifo, drain, sizeof drain) > 0)
				;
		}
		if (p[1].revents & POLLIN) {
			exited = t;
			if (wait4(pid, &status, 0, &ru) < 0) {
				perror("ctm: wait4");
				return 2;
			}
			/* A failed command: no marker will come. */
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				break;
		}
	}
	if (exited < 0) {
		fprintf(stderr, "ctm: %s still running after 30 s\n", argv[i + 1]);
		return 124;
	}
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (code == 0 && marker < 0) {
		fprintf(stderr, "ctm: the init did not write to %s within 30 s\n", argv[2]);
		return 124;
	}
	if (code != 0)
		return code;
	FILE *f = fopen(results, "a");
	if (!f) {
		perror(results);
		return 2;
	}
	fprintf(f, "%lld %ld %d\n", marker - t0, ru.ru_maxrss, code);
	fclose(f);
	if (exits) {
		f = fopen(exits, "a");
		if (!f) {
			perror(exits);
			return 2;
		}
		fprintf(f, "%lld\n", exited - t0);
		fclose(f);
	}
	return 0;
}
