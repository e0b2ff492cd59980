// SPDX-License-Identifier: MIT
/*
 * connrate - TCP connections per second, for bench/nfqueue/run.py.
 *
 *   connrate server PORT                    accept and close, forever
 *   connrate client ADDR PORT SECONDS N     N threads connect and close in
 *                                           a loop; prints connections/s
 *
 * The client closes with SO_LINGER 0 (a RST), so it leaves no TIME_WAIT
 * and never runs out of ephemeral ports in a short run; each connection is
 * a full handshake, i.e. one NEW packet for conntrack and NFQUEUE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage target;
static socklen_t target_len;
static atomic_bool done;
static atomic_ulong connections, failures;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *client(void *arg)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    (void)arg;
    while (!atomic_load(&done)) {
        int fd = socket(target.ss_family, SOCK_STREAM, 0);
        if (fd < 0)
            break;
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        if (connect(fd, (struct sockaddr *)&target, target_len) == 0)
            atomic_fetch_add(&connections, 1);
        else
            atomic_fetch_add(&failures, 1);
        close(fd);
    }
    return NULL;
}

static int serve(int port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6,
                             .sin6_port = htons((uint16_t)port),
                             .sin6_addr = IN6ADDR_ANY_INIT};
    int one = 1, zero = 0, fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4096)) {
        perror("connrate server");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c >= 0)
            close(c);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "server") == 0)
        return serve(atoi(argv[2]));
    if (argc != 6 || strcmp(argv[1], "client") != 0) {
        fprintf(stderr, "usage: connrate server PORT | "
                        "connrate client ADDR PORT SECONDS THREADS\n");
        return 2;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)&target;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&target;
    uint16_t port = htons((uint16_t)atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = port;
        target_len = sizeof *a4;
    } else if (inet_pton(AF_INET6, argv[2], &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = port;
        target_len = sizeof *a6;
    } else {
        fprintf(stderr, "connrate: bad address %s\n", argv[2]);
        return 2;
    }
    double seconds = atof(argv[4]);
    int n = atoi(argv[5]);
    pthread_t t[64];
    if (n < 1 || n > 64 || seconds <= 0)
        return 2;
    double start = now();
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, client, NULL);
    struct timespec ts = {
        .tv_sec = (time_t)seconds,
        .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&done, true);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    double elapsed = now() - start;
    printf("%.0f connections/s (%lu in %.2f s, %lu failed)\n",
           (double)atomic_load(&connections) / elapsed,
           atomic_load(&connections), elapsed, atomic_load(&failures));
    return 0;
}
