"""One module per chapter: functions that turn a :class:`~csa_stats.chapter.Chapter` into the
Markdown its notebook displays. The notebooks only call these."""
