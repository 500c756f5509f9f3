"""Store, retrieval, answering and the CLI / API / chat surfaces of Sổ tay CCHC."""
