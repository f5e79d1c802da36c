#include "zlib_stream.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct carrylens_zstream {
    z_stream z;
    int deflating;
};

carrylens_zstream *carrylens_deflate_new(int level) {
    carrylens_zstream *stream = calloc(1, sizeof(carrylens_zstream));
    if (!stream) return NULL;
    stream->deflating = 1;
    // zlib format (window bits 15), memory level 9, default strategy: fixed, so the
    // output depends only on the input and the zlib version.
    if (deflateInit2(&stream->z, level, Z_DEFLATED, 15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(stream);
        return NULL;
    }
    return stream;
}

carrylens_zstream *carrylens_inflate_new(void) {
    carrylens_zstream *stream = calloc(1, sizeof(carrylens_zstream));
    if (!stream) return NULL;
    if (inflateInit2(&stream->z, 15) != Z_OK) {
        free(stream);
        return NULL;
    }
    return stream;
}

void carrylens_zstream_free(carrylens_zstream *stream) {
    if (!stream) return;
    if (stream->deflating) deflateEnd(&stream->z); else inflateEnd(&stream->z);
    free(stream);
}

static uInt clamp(size_t length) { return length > UINT_MAX ? UINT_MAX : (uInt)length; }

int carrylens_deflate(carrylens_zstream *stream, const uint8_t *input, size_t input_length,
                      uint8_t *output, size_t output_capacity, size_t *consumed, size_t *written, int finish) {
    z_stream *z = &stream->z;
    uInt in = clamp(input_length), out = clamp(output_capacity);
    z->next_in = (Bytef *)input;
    z->avail_in = in;
    z->next_out = output;
    z->avail_out = out;
    // Finish only once every byte of input is in the stream.
    int flush = (finish && in == input_length) ? Z_FINISH : Z_NO_FLUSH;
    int result = deflate(z, flush);
    *consumed = in - z->avail_in;
    *written = out - z->avail_out;
    if (result == Z_STREAM_END) return CARRYLENS_Z_STREAM_END;
    if (result == Z_OK || result == Z_BUF_ERROR) return CARRYLENS_Z_OK;
    return CARRYLENS_Z_ERROR;
}

int carrylens_inflate(carrylens_zstream *stream, const uint8_t *input, size_t input_length,
                      uint8_t *output, size_t output_capacity, size_t *consumed, size_t *written) {
    z_stream *z = &stream->z;
    uInt in = clamp(input_length), out = clamp(output_capacity);
    z->next_in = (Bytef *)input;
    z->avail_in = in;
    z->next_out = output;
    z->avail_out = out;
    int result = inflate(z, Z_NO_FLUSH);
    *consumed = in - z->avail_in;
    *written = out - z->avail_out;
    if (result == Z_STREAM_END) return CARRYLENS_Z_STREAM_END;
    if (result == Z_OK || result == Z_BUF_ERROR) return CARRYLENS_Z_OK;
    return CARRYLENS_Z_ERROR;
}

const char *carrylens_zlib_version(void) { return zlibVersion(); }
