// A minimal streaming interface to the system zlib (libz), used by Exhaustive for
// the compressed failure sets (failures.bin). Only these functions are visible to
// Swift; zlib's own types stay inside zlib_stream.c.
#ifndef CARRYLENS_ZLIB_STREAM_H
#define CARRYLENS_ZLIB_STREAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct carrylens_zstream carrylens_zstream;

// Results of carrylens_deflate / carrylens_inflate.
#define CARRYLENS_Z_OK 0          // progress made; call again with more input or output space
#define CARRYLENS_Z_STREAM_END 1  // the stream is complete
#define CARRYLENS_Z_ERROR (-1)    // corrupt data or a zlib error

/// A deflate stream in the zlib format (RFC 1950: header, Adler-32 trailer) at `level` (0-9); NULL if out of memory.
carrylens_zstream *carrylens_deflate_new(int level);
/// An inflate stream for the zlib format; NULL if out of memory.
carrylens_zstream *carrylens_inflate_new(void);
/// Frees either kind of stream.
void carrylens_zstream_free(carrylens_zstream *stream);

/// Compresses from `input` into `output`; `finish` non-zero once all input has been given.
/// Sets how much input was consumed and how much output written.
int carrylens_deflate(carrylens_zstream *stream, const uint8_t *input, size_t input_length,
                      uint8_t *output, size_t output_capacity, size_t *consumed, size_t *written, int finish);

/// Decompresses from `input` into `output`; sets how much input was consumed and output written.
int carrylens_inflate(carrylens_zstream *stream, const uint8_t *input, size_t input_length,
                      uint8_t *output, size_t output_capacity, size_t *consumed, size_t *written);

/// The zlib library version string (recorded in docs; the compressed bytes are zlib's).
const char *carrylens_zlib_version(void);

#endif
