"""The dashboard's shared UI code: session state and sidebar filters, cached reads, figures, widgets.

Pages import from here and from ``analysis.query`` / ``analysis.query.export``; no analysis happens in the UI.
Nothing here imports jieba or snownlp: viewing charts must not pay for loading them.
"""
