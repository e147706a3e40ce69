"""工会工作总结起草：语料、检索、起草引擎。界面（app.py、CLI）只是它的薄层。"""

import logging

# Library log lines (English, for operators) stay silent unless a face configures logging: a user
# reads the Chinese message, not "database unavailable: …" before it.
logging.getLogger("drafting").addHandler(logging.NullHandler())
