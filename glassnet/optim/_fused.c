/* Fused optimizer steps: one pass over the flat parameter buffer per update.
 *
 * Each kernel performs, element by element and in the same order, the operations of the
 * NumPy ``_update`` of its optimizer (adam.py, rmsprop.py, sgd.py, momentum.py), in the arrays' own precision
 * (float32 or float64); the Python scalars are rounded to that precision first, as NumPy
 * does with a Python float and a float32 array. IEEE +, −, ×, ÷ and √ are correctly rounded
 * and the build disables FMA contraction, so the results equal the NumPy fallback's bit for
 * bit (tests/test_speed_optim.py checks it, and both against torch.optim).
 *
 * Arrays arrive through the buffer protocol (no NumPy headers are needed to build this) and
 * must be C-contiguous, of one item size (4 or 8) and one length; the Python side checks.
 * The GIL is released during the loop, so chunks may run in parallel threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

#define GET(i) ((void *)bufs[i].buf)

/* The loops are written once with their options as arguments; INLINE bodies are called
 * with constant options from a switch, so the compiler emits one branch-free, vectorized
 * loop per combination. On x86-64 with GCC the dispatchers are cloned for AVX-512, AVX2 and
 * the baseline, chosen at load time (IEEE rounding is the same on all three). */
#define INLINE static inline __attribute__((always_inline))
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

static int take(PyObject *obj, Py_buffer *view, Py_ssize_t *n, Py_ssize_t *item)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    Py_ssize_t isz = view->itemsize;
    if ((isz != 4 && isz != 8) || view->format == NULL ||
        (view->format[0] != 'f' && view->format[0] != 'd')) {
        PyErr_SetString(PyExc_TypeError, "fused: expected float32 or float64 buffers");
        PyBuffer_Release(view);
        return -1;
    }
    Py_ssize_t len = view->len / isz;
    if (*item == 0) {
        *item = isz;
        *n = len;
    } else if (isz != *item || len != *n) {
        PyErr_SetString(PyExc_ValueError, "fused: buffers differ in dtype or length");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* Acquire `count` buffers (None allowed where `optional` says so). */
static int take_all(PyObject **objs, Py_buffer *bufs, int count, const int *optional,
                    Py_ssize_t *n, Py_ssize_t *item, int *have)
{
    *n = 0;
    *item = 0;
    for (int i = 0; i < count; i++) {
        have[i] = 0;
        if (objs[i] == Py_None && optional[i]) continue;
        if (take(objs[i], &bufs[i], n, item) < 0) {
            for (int j = 0; j < i; j++)
                if (have[j]) PyBuffer_Release(&bufs[j]);
            return -1;
        }
        have[i] = 1;
    }
    return 0;
}

static void release_all(Py_buffer *bufs, int count, const int *have)
{
    for (int i = 0; i < count; i++)
        if (have[i]) PyBuffer_Release(&bufs[i]);
}

/* ---------------------------------------------------------------- Adam / AdamW
 * wd > 0 and decoupled: θ ← θ·(1 − ηλ) first; wd > 0 coupled: g ← g + λθ.
 * m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  amsgrad: v_max ← max(v_max, v), used as v.
 * eps_inside: θ ← θ − (m / √(v/c₂ + ε))·(η / c₁);
 * else (Kingma & Ba §2, one division and one root): θ ← θ − (m / (√v + ε√c₂))·(η√c₂ / c₁).
 */
#define ADAM_KERNEL(NAME, T, SQRT)                                                            \
    INLINE void NAME##_body(Py_ssize_t n, T *restrict p, const T *restrict g, T *restrict m,  \
                            T *restrict v, T *restrict vmax, T b1, T one_b1, T b2, T one_b2,  \
                            T eps, T wd, T keep, T c2, T sc2, T step, const int shrink,       \
                            const int coupled, const int ams, const int eps_inside)           \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            T gi = g[i], pi = p[i];                                                           \
            if (shrink) pi = pi * keep;                                                       \
            if (coupled) gi = gi + pi * wd;                                                   \
            T mi = m[i] * b1 + gi * one_b1;                                                   \
            T vi = v[i] * b2 + (gi * gi) * one_b2;                                            \
            m[i] = mi;                                                                        \
            v[i] = vi;                                                                        \
            if (ams) {                                                                        \
                T w = vmax[i];                                                                \
                vi = (w != w || w >= vi) ? w : vi;                                            \
                vmax[i] = vi;                                                                 \
            }                                                                                 \
            T d = eps_inside ? SQRT(vi / c2 + eps) : SQRT(vi) + eps;                          \
            p[i] = pi - (mi / d) * step;                                                      \
        }                                                                                     \
    }                                                                                         \
    CLONES static void NAME(Py_ssize_t n, T *restrict p, const T *restrict g, T *restrict m,  \
                            T *restrict v, T *restrict vmax, double lr_d, double b1_d,        \
                            double b2_d, double eps_d, double wd_d, int decoupled,            \
                            int eps_inside, double c1_d, double c2_d)                         \
    {                                                                                         \
        const T b1 = (T)b1_d, one_b1 = (T)(1.0 - b1_d), b2 = (T)b2_d,                        \
                one_b2 = (T)(1.0 - b2_d), eps = (T)eps_d, wd = (T)wd_d,                       \
                keep = (T)(1.0 - lr_d * wd_d), c2 = (T)c2_d, sc2 = (T)sqrt(c2_d),             \
                step = (T)(eps_inside ? lr_d / c1_d : lr_d * sqrt(c2_d) / c1_d),              \
                eps_term = (T)(eps_inside ? eps_d : eps_d * sqrt(c2_d));                      \
        const int coupled = wd_d != 0.0 && !decoupled, shrink = wd_d != 0.0 && decoupled;     \
        const int key = shrink | coupled << 1 | (vmax != NULL) << 2 | (eps_inside != 0) << 3; \
        switch (key) {                                                                        \
        ADAM_CASE(NAME, 0, 0, 0, 0, 0) ADAM_CASE(NAME, 1, 1, 0, 0, 0)                         \
        ADAM_CASE(NAME, 2, 0, 1, 0, 0) ADAM_CASE(NAME, 4, 0, 0, 1, 0)                         \
        ADAM_CASE(NAME, 5, 1, 0, 1, 0) ADAM_CASE(NAME, 6, 0, 1, 1, 0)                         \
        ADAM_CASE(NAME, 8, 0, 0, 0, 1) ADAM_CASE(NAME, 9, 1, 0, 0, 1)                         \
        ADAM_CASE(NAME, 10, 0, 1, 0, 1) ADAM_CASE(NAME, 12, 0, 0, 1, 1)                       \
        ADAM_CASE(NAME, 13, 1, 0, 1, 1) ADAM_CASE(NAME, 14, 0, 1, 1, 1)                       \
        }                                                                                     \
    }
#define ADAM_CASE(NAME, KEY, SHRINK, COUPLED, AMS, INSIDE)                                    \
    case KEY:                                                                                 \
        NAME##_body(n, p, g, m, v, vmax, b1, one_b1, b2, one_b2, eps_term, wd, keep, c2, sc2,  \
                    step,                                                                     \
                    SHRINK, COUPLED, AMS, INSIDE);                                            \
        break;

ADAM_KERNEL(adam_f32, float, sqrtf)
ADAM_KERNEL(adam_f64, double, sqrt)

static PyObject *py_adam(PyObject *self, PyObject *args)
{
    PyObject *objs[5];
    double lr, b1, b2, eps, wd, c1, c2;
    int decoupled, eps_inside;
    if (!PyArg_ParseTuple(args, "OOOOOdddddppdd", &objs[0], &objs[1], &objs[2], &objs[3],
                          &objs[4], &lr, &b1, &b2, &eps, &wd, &decoupled, &eps_inside, &c1, &c2))
        return NULL;
    static const int optional[5] = {0, 0, 0, 0, 1};
    Py_buffer bufs[5];
    int have[5];
    Py_ssize_t n, item;
    if (take_all(objs, bufs, 5, optional, &n, &item, have) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    if (item == 4)
        adam_f32(n, GET(0), GET(1), GET(2), GET(3), have[4] ? GET(4) : NULL, lr, b1, b2, eps,
                 wd, decoupled, eps_inside, c1, c2);
    else
        adam_f64(n, GET(0), GET(1), GET(2), GET(3), have[4] ? GET(4) : NULL, lr, b1, b2, eps,
                 wd, decoupled, eps_inside, c1, c2);
    Py_END_ALLOW_THREADS
    release_all(bufs, 5, have);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------- RMSprop
 * g ← g + λθ (wd);  v ← αv + (1 − α)g²;  centered: ḡ ← αḡ + (1 − α)g, var = v − ḡ²;
 * D = √(var + ε) or √var + ε;  q = g / D;  momentum: b ← μb + q, θ ← θ − bη; else θ ← θ − qη.
 */
#define RMSPROP_KERNEL(NAME, T, SQRT)                                                         \
    INLINE void NAME##_body(Py_ssize_t n, T *restrict p, const T *restrict g, T *restrict v,  \
                            T *restrict gavg, T *restrict buf, T lr, T alpha, T one_a, T eps, \
                            T mu, T wd, const int decay, const int centered, const int mom,   \
                            const int eps_inside)                                             \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            T gi = g[i];                                                                      \
            if (decay) gi = gi + p[i] * wd;                                                   \
            T vi = v[i] * alpha + (gi * gi) * one_a;                                          \
            v[i] = vi;                                                                        \
            T var = vi;                                                                       \
            if (centered) {                                                                   \
                T a = gavg[i] * alpha + gi * one_a;                                           \
                gavg[i] = a;                                                                  \
                var = vi - a * a;                                                             \
            }                                                                                 \
            T d = eps_inside ? SQRT(var + eps) : SQRT(var) + eps;                             \
            T q = gi / d;                                                                     \
            if (mom) {                                                                        \
                T b = buf[i] * mu + q;                                                        \
                buf[i] = b;                                                                   \
                q = b;                                                                        \
            }                                                                                 \
            p[i] = p[i] - q * lr;                                                             \
        }                                                                                     \
    }                                                                                         \
    CLONES static void NAME(Py_ssize_t n, T *restrict p, const T *restrict g, T *restrict v,  \
                            T *restrict gavg, T *restrict buf, double lr_d, double alpha_d,   \
                            double eps_d, double mu_d, double wd_d, int eps_inside)           \
    {                                                                                         \
        const T lr = (T)lr_d, alpha = (T)alpha_d, one_a = (T)(1.0 - alpha_d), eps = (T)eps_d, \
                mu = (T)mu_d, wd = (T)wd_d;                                                   \
        const int key = (wd_d != 0.0) | (gavg != NULL) << 1 | (buf != NULL) << 2 |            \
                        (eps_inside != 0) << 3;                                               \
        switch (key) {                                                                        \
        RMS_CASE(NAME, 0) RMS_CASE(NAME, 1) RMS_CASE(NAME, 2) RMS_CASE(NAME, 3)               \
        RMS_CASE(NAME, 4) RMS_CASE(NAME, 5) RMS_CASE(NAME, 6) RMS_CASE(NAME, 7)               \
        RMS_CASE(NAME, 8) RMS_CASE(NAME, 9) RMS_CASE(NAME, 10) RMS_CASE(NAME, 11)             \
        RMS_CASE(NAME, 12) RMS_CASE(NAME, 13) RMS_CASE(NAME, 14) RMS_CASE(NAME, 15)           \
        }                                                                                     \
    }
#define RMS_CASE(NAME, KEY)                                                                   \
    case KEY:                                                                                 \
        NAME##_body(n, p, g, v, gavg, buf, lr, alpha, one_a, eps, mu, wd, (KEY) & 1,          \
                    ((KEY) >> 1) & 1, ((KEY) >> 2) & 1, ((KEY) >> 3) & 1);                    \
        break;

RMSPROP_KERNEL(rmsprop_f32, float, sqrtf)
RMSPROP_KERNEL(rmsprop_f64, double, sqrt)

static PyObject *py_rmsprop(PyObject *self, PyObject *args)
{
    PyObject *objs[5];
    double lr, alpha, eps, mu, wd;
    int eps_inside;
    if (!PyArg_ParseTuple(args, "OOOOOdddddp", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4],
                          &lr, &alpha, &eps, &mu, &wd, &eps_inside))
        return NULL;
    static const int optional[5] = {0, 0, 0, 1, 1};
    Py_buffer bufs[5];
    int have[5];
    Py_ssize_t n, item;
    if (take_all(objs, bufs, 5, optional, &n, &item, have) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    if (item == 4)
        rmsprop_f32(n, GET(0), GET(1), GET(2), have[3] ? GET(3) : NULL,
                    have[4] ? GET(4) : NULL, lr, alpha, eps, mu, wd, eps_inside);
    else
        rmsprop_f64(n, GET(0), GET(1), GET(2), have[3] ? GET(3) : NULL,
                    have[4] ? GET(4) : NULL, lr, alpha, eps, mu, wd, eps_inside);
    Py_END_ALLOW_THREADS
    release_all(bufs, 5, have);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------- SGD (torch form)
 * g ← g + λθ (wd);  first: b ← g;  later: b ← μb + (1 − τ)g (τ > 0) or μb + g;
 * nesterov: u = g + μb, else u = b;  θ ← θ − uη.  Without a buffer: θ ← θ − gη.
 */
#define SGD_KERNEL(NAME, T)                                                                   \
    INLINE void NAME##_body(Py_ssize_t n, T *restrict p, const T *restrict g, T *restrict buf, \
                            T lr, T mu, T one_t, T wd, const int decay, const int mom,        \
                            const int first, const int damp, const int nesterov)              \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            T gi = g[i];                                                                      \
            if (decay) gi = gi + p[i] * wd;                                                   \
            T u = gi;                                                                         \
            if (mom) {                                                                        \
                T b = first ? gi : (damp ? buf[i] * mu + gi * one_t : buf[i] * mu + gi);      \
                buf[i] = b;                                                                   \
                u = nesterov ? gi + b * mu : b;                                               \
            }                                                                                 \
            p[i] = p[i] - u * lr;                                                             \
        }                                                                                     \
    }                                                                                         \
    CLONES static void NAME(Py_ssize_t n, T *restrict p, const T *restrict g, T *restrict buf, \
                            double lr_d, double mu_d, double tau_d, double wd_d, int nesterov, \
                            int first)                                                        \
    {                                                                                         \
        const T lr = (T)lr_d, mu = (T)mu_d, one_t = (T)(1.0 - tau_d), wd = (T)wd_d;           \
        const int decay = wd_d != 0.0, damp = tau_d != 0.0;                                   \
        if (buf == NULL) {                                                                    \
            if (decay) NAME##_body(n, p, g, buf, lr, mu, one_t, wd, 1, 0, 0, 0, 0);           \
            else NAME##_body(n, p, g, buf, lr, mu, one_t, wd, 0, 0, 0, 0, 0);                 \
        } else if (!decay && !first && !damp && !nesterov) {                                  \
            NAME##_body(n, p, g, buf, lr, mu, one_t, wd, 0, 1, 0, 0, 0);                      \
        } else if (!decay && !first && !damp && nesterov) {                                   \
            NAME##_body(n, p, g, buf, lr, mu, one_t, wd, 0, 1, 0, 0, 1);                      \
        } else {                                                                              \
            NAME##_body(n, p, g, buf, lr, mu, one_t, wd, decay, 1, first, damp, nesterov);    \
        }                                                                                     \
    }

SGD_KERNEL(sgd_f32, float)
SGD_KERNEL(sgd_f64, double)

static PyObject *py_sgd(PyObject *self, PyObject *args)
{
    PyObject *objs[3];
    double lr, mu, tau, wd;
    int nesterov, first;
    if (!PyArg_ParseTuple(args, "OOOddddpp", &objs[0], &objs[1], &objs[2], &lr, &mu, &tau, &wd,
                          &nesterov, &first))
        return NULL;
    static const int optional[3] = {0, 0, 1};
    Py_buffer bufs[3];
    int have[3];
    Py_ssize_t n, item;
    if (take_all(objs, bufs, 3, optional, &n, &item, have) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    if (item == 4)
        sgd_f32(n, GET(0), GET(1), have[2] ? GET(2) : NULL, lr, mu, tau, wd, nesterov, first);
    else
        sgd_f64(n, GET(0), GET(1), have[2] ? GET(2) : NULL, lr, mu, tau, wd, nesterov, first);
    Py_END_ALLOW_THREADS
    release_all(bufs, 3, have);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------- Momentum (course form)
 * m ← βm + (1 − β)g;  θ ← θ − mη.
 */
#define MOMENTUM_KERNEL(NAME, T)                                                              \
    CLONES static void NAME(Py_ssize_t n, T *restrict p, const T *restrict g, T *restrict m,  \
                            double lr_d, double beta_d)                                              \
    {                                                                                         \
        const T lr = (T)lr_d, beta = (T)beta_d, one_b = (T)(1.0 - beta_d);                    \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            T mi = m[i] * beta + g[i] * one_b;                                                \
            m[i] = mi;                                                                        \
            p[i] = p[i] - mi * lr;                                                            \
        }                                                                                     \
    }

MOMENTUM_KERNEL(momentum_f32, float)
MOMENTUM_KERNEL(momentum_f64, double)

static PyObject *py_momentum(PyObject *self, PyObject *args)
{
    PyObject *objs[3];
    double lr, beta;
    if (!PyArg_ParseTuple(args, "OOOdd", &objs[0], &objs[1], &objs[2], &lr, &beta)) return NULL;
    static const int optional[3] = {0, 0, 0};
    Py_buffer bufs[3];
    int have[3];
    Py_ssize_t n, item;
    if (take_all(objs, bufs, 3, optional, &n, &item, have) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    if (item == 4)
        momentum_f32(n, GET(0), GET(1), GET(2), lr, beta);
    else
        momentum_f64(n, GET(0), GET(1), GET(2), lr, beta);
    Py_END_ALLOW_THREADS
    release_all(bufs, 3, have);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"adam", py_adam, METH_VARARGS,
     "adam(p, g, m, v, v_max|None, lr, beta1, beta2, eps, wd, decoupled, eps_inside, c1, c2)"},
    {"rmsprop", py_rmsprop, METH_VARARGS,
     "rmsprop(p, g, v, g_avg|None, buffer|None, lr, alpha, eps, momentum, wd, eps_inside)"},
    {"sgd", py_sgd, METH_VARARGS,
     "sgd(p, g, buffer|None, lr, momentum, dampening, wd, nesterov, first)"},
    {"momentum", py_momentum, METH_VARARGS, "momentum(p, g, m, lr, beta)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fused", "Fused optimizer steps (see _fused.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__fused(void) { return PyModule_Create(&module); }
