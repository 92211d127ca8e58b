"""Text: a summary's text becomes sentences, sections and tokens.

In: Simplified text. Out: sentences, each with its section (成绩 / 不足 / 计划 / 其他), and tokens
(jieba's algorithm and dictionary, plus the shipped user dictionary and stopwords).

- ``sections``: sentence splitting and the section each sentence belongs to.
- ``segment``: the module-owned jieba tokenizer, its cached dictionary, content words.
"""
