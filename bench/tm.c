/*
 * tm: time one command the way a caller experiences it (fork, exec, run, exit, reap) and
 * append one line "NANOSECONDS MAXRSS_KIB STATUS" to RESULTS.
 *
 *   tm RESULTS CMD [ARGS...]
 *
 * The clock (CLOCK_MONOTONIC) is read just before fork and just after wait4, so tm's own
 * start-up is not counted. MAXRSS is wait4's ru_maxrss: the largest resident set of the
 * command and of any descendant it waited for (for a shell loop: the largest of its
 * children). tm exits with the command's status (128+signal when killed), so the
 * harness sees a failing run instead of timing it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: tm RESULTS CMD [ARGS...]\n");
		return 2;
	}
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("tm: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("tm: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	FILE *f = fopen(argv[1], "a");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	fprintf(f, "%lld %ld %d\n", ns, ru.ru_maxrss, code);
	fclose(f);
	return code;
}
