"""Build glassnet's optional C extension (fused optimizer steps); metadata is in pyproject.toml.

The extension needs only a C compiler and the Python headers (no NumPy headers). If it cannot
be built, installation still succeeds and glassnet uses its pure-NumPy optimizer steps, which
give the same numbers (see glassnet/optim/_fused.c and glassnet/optim/fused.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "glassnet.optim._fused",
            sources=["glassnet/optim/_fused.c"],
            # no FMA contraction and no fast-math: every operation rounds as NumPy's does
            extra_compile_args=["-O3", "-ffp-contract=off", "-fno-math-errno", "-std=c99"],
            optional=True,
        )
    ]
)
