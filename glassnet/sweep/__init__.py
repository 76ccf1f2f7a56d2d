"""``glassnet sweep``: hyper-parameter searches on Optuna, every trial a ``glassnet train`` run.

==========================  ==========================================================
:mod:`~glassnet.sweep.space`     the sweep file: base config, search space, metric, ...
:mod:`~glassnet.sweep.trial`     a trial's parameters → a ``glassnet train`` configuration
:mod:`~glassnet.sweep.study`     the Optuna study: storage, samplers, pruners
:mod:`~glassnet.sweep.worker`    running trials (``--jobs N`` processes), pruning callback
:mod:`~glassnet.sweep.progress`  the progress bar (done, running, pruned, best)
:mod:`~glassnet.sweep.report`    the ranked table and the report pictures
==========================  ==========================================================

Only :mod:`space` and :mod:`trial` can be imported without Optuna; ``import glassnet``
imports none of this package.
"""
