/*
 * notify: measure a service that speaks sd_notify(3) the way systemd sees it.
 *
 *   notify CONF ROUNDS STRACE_OUT -- DAEMON [ARGS...]
 *
 * Binds a datagram socket, starts DAEMON with NOTIFY_SOCKET pointing to it, and waits for
 * READY=1 (the initial apply). After one idle second it reads the daemon's VmRSS and
 * VmHWM. Then, ROUNDS times, it renames CONF.edit<i> over CONF (prepared by the caller:
 * the previous version with one line changed) and measures the time from the rename to
 * the next READY=1, and to the RELOADING=1 before it (what the daemon spends noticing the
 * change, debouncing included, versus applying it). Unless STRACE_OUT is "-", one more
 * edit (CONF.edit<ROUNDS>) is applied with `strace -f -y -p PID` attached, so the caller
 * can count the writes one reload makes; that round is slowed by strace and not timed.
 * Finally it sends SIGTERM to the daemon (its own child) and reaps it.
 *
 * Output, one "key value" per line: start_ms, idle_rss_kib, idle_hwm_kib, then per round
 * "reload_ms" and "notice_ms", and rss_after_kib. Exit 1 when the daemon exits early or
 * does not answer within 120 s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int sock;
static pid_t daemon_pid;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void stop(int code)
{
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		for (int i = 0; i < 100 && waitpid(daemon_pid, NULL, WNOHANG) == 0; i++)
			usleep(100000);
		if (waitpid(daemon_pid, NULL, WNOHANG) == 0) {
			fprintf(stderr, "notify: the daemon ignored SIGTERM for 10 s; killing it\n");
			kill(daemon_pid, SIGKILL);
			waitpid(daemon_pid, NULL, 0);
		}
	}
	exit(code);
}

/* Wait for a datagram containing WANT; note when RELOADING=1 passes by. */
static int wait_for(const char *want, double *reloading_at)
{
	char buf[4096];
	double deadline = now_ms() + 120000;
	for (;;) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		int left = (int)(deadline - now_ms());
		if (left <= 0)
			return -1;
		int r = poll(&p, 1, left < 200 ? left : 200);
		if (r < 0 && errno != EINTR)
			return -1;
		if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid) {
			daemon_pid = 0;
			fprintf(stderr, "notify: the daemon exited before %s\n", want);
			return -1;
		}
		if (r <= 0)
			continue;
		ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		if (reloading_at && strstr(buf, "RELOADING=1"))
			*reloading_at = now_ms();
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			if (!strcmp(line, want))
				return 0;
	}
}

static long status_kib(const char *key)
{
	char path[64], line[256];
	long v = -1;
	snprintf(path, sizeof path, "/proc/%d/status", daemon_pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key) + 1);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 6 || strcmp(argv[4], "--")) {
		fprintf(stderr, "usage: notify CONF ROUNDS STRACE_OUT -- DAEMON [ARGS...]\n");
		return 2;
	}
	const char *conf = argv[1], *strace_out = argv[3];
	int rounds = atoi(argv[2]);

	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof addr.sun_path, "/tmp/cgbench-notify-%d.sock", getpid());
	unlink(addr.sun_path);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("notify: socket");
		return 2;
	}
	setenv("NOTIFY_SOCKET", addr.sun_path, 1);
	signal(SIGINT, stop);
	signal(SIGTERM, stop);

	double t0 = now_ms();
	daemon_pid = fork();
	if (daemon_pid == 0) {
		execvp(argv[5], argv + 5);
		perror(argv[5]);
		_exit(127);
	}
	if (wait_for("READY=1", NULL) < 0) {
		unlink(addr.sun_path);
		stop(1);
	}
	printf("start_ms %.1f\n", now_ms() - t0);
	sleep(1);
	printf("idle_rss_kib %ld\nidle_hwm_kib %ld\n", status_kib("VmRSS:"), status_kib("VmHWM:"));
	fflush(stdout);

	int traced = strace_out[0] && strcmp(strace_out, "-");
	for (int i = 0; i < rounds + traced; i++) {
		char edit[4096];
		pid_t tracer = 0;
		snprintf(edit, sizeof edit, "%s.edit%d", conf, i);
		if (i == rounds) {
			char pid[32];
			snprintf(pid, sizeof pid, "%d", daemon_pid);
			tracer = fork();
			if (tracer == 0) {
				execlp("strace", "strace", "-f", "-y", "-qq", "-o", strace_out, "-e",
				       "trace=write,pwrite64,writev,mkdir,mkdirat,rmdir,unlinkat,chown,fchown,"
				       "fchownat,lchown,chmod,fchmod,fchmodat",
				       "-p", pid, (char *)NULL);
				_exit(127);
			}
			sleep(1); /* let strace attach every thread */
		}
		double reloading = 0, start = now_ms();
		if (rename(edit, conf) < 0) {
			perror(edit);
			stop(1);
		}
		if (wait_for("READY=1", &reloading) < 0) {
			unlink(addr.sun_path);
			stop(1);
		}
		double end = now_ms();
		if (i < rounds)
			printf("reload_ms %.2f\nnotice_ms %.2f\n", end - start, reloading ? reloading - start : -1.0);
		fflush(stdout);
		if (tracer > 0) {
			kill(tracer, SIGINT);
			waitpid(tracer, NULL, 0);
		}
		usleep(300000); /* back to idle before the next edit */
	}
	printf("rss_after_kib %ld\n", status_kib("VmRSS:"));
	fflush(stdout);
	unlink(addr.sun_path);
	stop(0);
	return 0;
}
