/* The floor of the draw (make bench): what its three parts cost with no interpreter and no engine around them.

   floor CODES PREFIX SIZE OUT

   CODES is a file of 18-byte USCCs, one stratum after another (STRATA lines on stdin: how many codes each has).
   Each part is timed on its own, on every core:
   - hashing: SHA-256 of PREFIX + code for every code (libcrypto; the prefix "seed\ntask\n" hashed once and
     its state copied, as the draw's engines do);
   - sorting: the hashed rows, (stratum, digest, code), sorted once: each core sorts its share (a radix sort of
     the stratum and the digest's first 56 bits, then any rows that share them in full), then one merge;
   - writing: SIZE bytes (tickets.csv's size) written to the file OUT.
   Prints: hashing seconds, sorting seconds, writing seconds. */

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CODE 18

typedef struct {
    uint32_t stratum;
    uint32_t index; /* the code's place in CODES: codes are ascending within a stratum, so ties go by code */
    unsigned char digest[SHA256_DIGEST_LENGTH];
} Row;

typedef struct {
    uint64_t key; /* the stratum (8 bits) and the digest's first 56 bits: the order, but for rows that share it */
    uint32_t row;
    uint32_t unused;
} Key;

static const unsigned char *codes;
static Row *rows;
static Key *keys, *spare;
static size_t count;
static SHA256_CTX prefix;
static long threads;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    const Row *x = a, *y = b;
    if (x->stratum != y->stratum) return x->stratum < y->stratum ? -1 : 1;
    int found = memcmp(x->digest, y->digest, SHA256_DIGEST_LENGTH);
    if (found) return found;
    return memcmp(codes + (size_t)x->index * CODE, codes + (size_t)y->index * CODE, CODE);
}

static void share(long part, size_t *from, size_t *to) {
    *from = count * part / threads;
    *to = count * (part + 1) / threads;
}

static void *hash_part(void *arg) {
    size_t from, to;
    share((long)arg, &from, &to);
    for (size_t i = from; i < to; i++) {
        SHA256_CTX state = prefix;
        SHA256_Update(&state, codes + i * CODE, CODE);
        SHA256_Final(rows[i].digest, &state);
        rows[i].index = (uint32_t)i;
    }
    return NULL;
}

static int compare_keys(const void *a, const void *b) {
    const Key *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return compare(&rows[x->row], &rows[y->row]);
}

static void *sort_part(void *arg) { /* least significant digit first, 16 bits a pass, then ties in full */
    size_t from, to;
    share((long)arg, &from, &to);
    Key *source = keys + from, *target = spare + from;
    size_t n = to - from;
    for (size_t i = 0; i < n; i++) {
        const Row *row = &rows[from + i];
        uint64_t key = (uint64_t)row->stratum << 56;
        for (int b = 0; b < 7; b++) key |= (uint64_t)row->digest[b] << (48 - 8 * b);
        source[i] = (Key){key, (uint32_t)(from + i), 0};
    }
    size_t *counts = malloc(65536 * sizeof(size_t));
    for (int shift = 0; shift < 64; shift += 16) {
        memset(counts, 0, 65536 * sizeof(size_t));
        for (size_t i = 0; i < n; i++) counts[(source[i].key >> shift) & 0xffff]++;
        size_t at = 0;
        for (size_t d = 0; d < 65536; d++) { size_t c = counts[d]; counts[d] = at; at += c; }
        for (size_t i = 0; i < n; i++) target[counts[(source[i].key >> shift) & 0xffff]++] = source[i];
        Key *swap = source; source = target; target = swap;
    }
    free(counts);
    for (size_t i = 0; i < n;) { /* four passes: the sorted keys are back in keys */
        size_t j = i + 1;
        while (j < n && source[j].key == source[i].key) j++;
        if (j - i > 1) qsort(source + i, j - i, sizeof(Key), compare_keys);
        i = j;
    }
    return NULL;
}

static void on_all_cores(void *(*work)(void *)) {
    pthread_t running[256];
    for (long part = 0; part < threads; part++) pthread_create(&running[part], NULL, work, (void *)part);
    for (long part = 0; part < threads; part++) pthread_join(running[part], NULL);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: floor CODES PREFIX SIZE OUT (stratum sizes on stdin)\n");
        return 2;
    }
    FILE *input = fopen(argv[1], "rb");
    if (!input) { perror(argv[1]); return 1; }
    fseek(input, 0, SEEK_END);
    count = (size_t)ftell(input) / CODE;
    rewind(input);
    unsigned char *loaded = malloc(count * CODE);
    if (fread(loaded, CODE, count, input) != count) { perror("read"); return 1; }
    fclose(input);
    codes = loaded;
    rows = malloc(count * sizeof(Row));
    keys = malloc(count * sizeof(Key));
    spare = malloc(count * sizeof(Key));
    uint32_t stratum = 0;
    size_t placed = 0, size;
    while (scanf("%zu", &size) == 1) {
        for (size_t i = 0; i < size && placed < count; i++) rows[placed++].stratum = stratum;
        stratum++;
    }
    threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > 256) threads = 256;
    SHA256_Init(&prefix);
    SHA256_Update(&prefix, argv[2], strlen(argv[2]));

    double started = now();
    on_all_cores(hash_part);
    double hashed = now();
    on_all_cores(sort_part);
    Key *merged = malloc(count * sizeof(Key)); /* one merge of the sorted shares */
    size_t at[256], end[256];
    for (long part = 0; part < threads; part++) share(part, &at[part], &end[part]);
    for (size_t out = 0; out < count; out++) {
        long best = -1;
        for (long part = 0; part < threads; part++)
            if (at[part] < end[part] && (best < 0 || compare_keys(&keys[at[part]], &keys[at[best]]) < 0)) best = part;
        merged[out] = keys[at[best]++];
    }
    double sorted = now();

    size_t total = (size_t)strtoull(argv[3], NULL, 10), chunk = 8 << 20;
    char *buffer = malloc(chunk);
    memset(buffer, 'x', chunk);
    FILE *output = fopen(argv[4], "wb");
    if (!output) { perror(argv[4]); return 1; }
    double writing = now();
    for (size_t done = 0; done < total; done += chunk) {
        size_t part = total - done < chunk ? total - done : chunk;
        if (fwrite(buffer, 1, part, output) != part) { perror("write"); return 1; }
    }
    fclose(output);
    double written = now();
    printf("%.3f %.3f %.3f %zu %u\n", hashed - started, sorted - hashed, written - writing, count, rows[merged[0].row].index);
    return 0;
}
