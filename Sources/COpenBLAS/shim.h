#include <cblas.h>

/* What the code importing this header was compiled for (its -march). The Swift
   targets that import it pass the same -Xcc -march as their own code, so these
   report the vector units the evaluator's Swift SIMD code was built to use. */
static inline int carrylens_built_with_avx2(void) {
#ifdef __AVX2__
    return 1;
#else
    return 0;
#endif
}

static inline int carrylens_built_with_fma(void) {
#ifdef __FMA__
    return 1;
#else
    return 0;
#endif
}

static inline int carrylens_built_with_avx512f(void) {
#ifdef __AVX512F__
    return 1;
#else
    return 0;
#endif
}
