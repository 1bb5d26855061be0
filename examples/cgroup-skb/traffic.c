/* SPDX-License-Identifier: MIT */
/*
 * Traffic for the cgroup-skb smoke test: join the cgroup given as argv[1],
 * then send argv[2] UDP datagrams over loopback to a socket of our own and
 * receive each one, so every datagram enters a socket of that cgroup.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 2};
	socklen_t alen = sizeof(a);
	char path[4096], buf[64];
	int n, rx, tx, got = 0;
	FILE *f;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: traffic CGROUP_DIR COUNT\n");
		return 2;
	}
	/* Sockets belong to the cgroup of the process that creates them. */
	snprintf(path, sizeof(path), "%s/cgroup.procs", argv[1]);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(rx, (struct sockaddr *)&a, &alen)) {
		perror("socket");
		return 1;
	}
	setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < n; i++) {
		if (sendto(tx, "cgroup-skb smoke", 16, 0, (struct sockaddr *)&a, sizeof(a)) != 16)
			break;
		if (recv(rx, buf, sizeof(buf), 0) == 16)
			got++;
	}
	close(rx);
	close(tx);
	printf("sent=%d received=%d\n", n, got);
	return got == n ? 0 : 1;
}
