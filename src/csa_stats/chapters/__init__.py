"""One module per chapter: functions that turn a :class:`~csa_stats.chapters.context.Chapter` into the
Markdown its notebook displays. The notebooks only call these."""
