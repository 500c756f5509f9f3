"""The question → answer path: understand → retrieve → one strategy per answer kind.

`understand.understand` turns a question into a typed `query.Query`; `retrieve.HybridRetriever`
searches with it; `answerer.Answerer` picks a strategy from `answerer.STRATEGIES` by the query's
`intents.Intent`; every threshold and weight lives in `policy.Policy`; `chain.answer_chain` wraps
the path as a LangChain Runnable.
"""
