/* What one minor page fault costs on this machine: the time to write the first byte of each of
   `pages` fresh pages, (a) anonymous (zero-filled) and (b) private file-backed (copy on write,
   what the dynamic loader's relocation writes into an image's data pages cause). Prints the
   median over `rounds` rounds of nanoseconds per page for each, as "anon NS cow NS". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: page_faults FILE (a file of at least 20 pages)\n");
        return 2;
    }
    enum { pages = 20, rounds = 201 };
    long page = sysconf(_SC_PAGESIZE);
    double anon[rounds], cow[rounds];
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    for (int r = 0; r < rounds; r++) {
        volatile char *a = mmap(0, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        volatile char *f = mmap(0, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (a == MAP_FAILED || f == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        for (int i = 0; i < pages; i++) (void)f[i * page]; /* map the file pages first: read faults */
        double t0 = now_ns();
        for (int i = 0; i < pages; i++) a[i * page] = 1;
        double t1 = now_ns();
        for (int i = 0; i < pages; i++) f[i * page] += 1;
        double t2 = now_ns();
        anon[r] = (t1 - t0) / pages;
        cow[r] = (t2 - t1) / pages;
        munmap((void *)a, pages * page);
        munmap((void *)f, pages * page);
    }
    qsort(anon, rounds, sizeof anon[0], cmp);
    qsort(cow, rounds, sizeof cow[0], cmp);
    printf("anon %.0f cow %.0f\n", anon[rounds / 2], cow[rounds / 2]);
    return 0;
}
