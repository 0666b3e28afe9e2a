"""Small text utilities for the sequence-model examples: a tokenizer, synthetic sequence tasks
(copy, reverse, sort) and a seeded synthetic corpus with a topic-classification task.

These are minidl additions (PyTorch keeps text tools in separate libraries).
"""
from .corpus import TOPICS, SyntheticCorpus, make_corpus
from .tasks import make_copy_task, make_reverse_task, make_sequence_task, make_sort_task
from .tokenizer import CLS, MASK, PAD, SPECIAL_TOKENS, UNK, Tokenizer

__all__ = [
    "CLS", "MASK", "PAD", "SPECIAL_TOKENS", "TOPICS", "SyntheticCorpus", "Tokenizer", "UNK",
    "make_copy_task", "make_corpus", "make_reverse_task", "make_sequence_task", "make_sort_task",
]
