"""A small synthetic English-like corpus from a seeded grammar, with a topic label per sentence.

Every sentence is about one of four topics. A template (the grammar) fixes the sentence's shape
and its function words ("the", "and", "yesterday"...); its content words (nouns, verbs,
adjectives) are all drawn from the topic's own word lists. So the topic is determined by the
content words, and nothing else in the sentence tells the topics apart.

That makes pretraining worthwhile in a way one can see: each topic has many content words, so a
small labeled set mentions only some of them, and a classifier trained on it alone has never
seen the rest. A masked language model trained on plenty of *unlabeled* sentences learns that
words sharing sentences belong together (to predict a masked "goal" it must notice "striker"),
and a classifier fine-tuned on top of it can recognise a topic from words the labeled set lacks.
"""
from dataclasses import dataclass

import numpy as np

TOPICS = ("sports", "food", "weather", "technology")

_WORDS = {
    "sports": {
        "noun": "team player coach goal ball match striker referee stadium league trophy keeper "
                "season runner racket medal",
        "verb": "kicked scored won defended trained tackled coached passed",
        "adj": "fast athletic fit winning defensive offside final fierce",
    },
    "food": {
        "noun": "soup bread chef cheese pasta salad recipe oven garlic dessert pepper butter "
                "kitchen noodle pizza sauce",
        "verb": "cooked baked tasted seasoned sliced fried stirred served",
        "adj": "delicious spicy salty sweet crispy fresh savory tender",
    },
    "weather": {
        "noun": "rain storm cloud wind snow thunder forecast fog sunshine hail breeze drizzle "
                "temperature lightning frost flood",
        "verb": "poured blew froze flooded thundered drizzled cleared chilled",
        "adj": "cloudy stormy humid foggy chilly windy sunny icy",
    },
    "technology": {
        "noun": "computer software robot laptop server network chip code database browser "
                "keyboard algorithm app processor screen battery",
        "verb": "compiled crashed booted downloaded encrypted rebooted programmed installed",
        "adj": "digital wireless faster buggy virtual portable smart encrypted",
    },
}
WORDS = {topic: {kind: words.split() for kind, words in kinds.items()}
         for topic, kinds in _WORDS.items()}

_NEUTRAL = {
    "person": "my friend|the teacher|our neighbor|a stranger|my sister|the old man|everyone",
    "time": "today|yesterday|last week|this morning|again|every day|at night",
    "adverb": "quickly|slowly|suddenly|quietly|really|almost",
}
NEUTRAL = {kind: options.split("|") for kind, options in _NEUTRAL.items()}

TEMPLATES = (
    "the {adj} {noun} {verb} the {noun} {time}",
    "{person} {verb} the {noun} and the {noun}",
    "{time} {person} said the {noun} was {adj}",
    "the {noun} {adverb} {verb} a {adj} {noun}",
    "{person} saw a {adj} {noun} near the {noun}",
    "i think the {noun} {verb} {time}",
    "{person} liked the {adj} {noun} {time}",
    "a {noun} and a {adj} {noun} {verb} {adverb}",
)


def sentence(topic, rng):
    """One sentence about ``topic``: a random template with its slots filled."""
    template = TEMPLATES[rng.integers(len(TEMPLATES))]
    words = []
    for piece in template.split():
        if piece.startswith("{"):
            kind = piece[1:-1]
            options = WORDS[topic][kind] if kind in WORDS[topic] else NEUTRAL[kind]
            words.append(options[rng.integers(len(options))])
        else:
            words.append(piece)
    return " ".join(words)


def sentences(num_sentences, rng):
    """``num_sentences`` sentences with uniformly random topics: (texts, topic indices)."""
    labels = rng.integers(len(TOPICS), size=num_sentences)
    return [sentence(TOPICS[label], rng) for label in labels], labels.astype(np.int64)


@dataclass
class SyntheticCorpus:
    """Unlabeled sentences for pretraining, a small labeled training set and a labeled test set."""

    unlabeled: list
    train_texts: list
    train_labels: np.ndarray
    test_texts: list
    test_labels: np.ndarray

    def all_texts(self):
        return self.unlabeled + self.train_texts + self.test_texts


def make_corpus(num_unlabeled=5000, num_labeled=40, num_test=1000, seed=0):
    """A corpus drawn from the grammar with ``seed``; the labeled set is balanced over topics."""
    rng = np.random.default_rng(seed)
    unlabeled, _ = sentences(num_unlabeled, rng)
    per_topic = num_labeled // len(TOPICS)
    train_labels = np.repeat(np.arange(len(TOPICS), dtype=np.int64), per_topic)
    rng.shuffle(train_labels)
    train_texts = [sentence(TOPICS[label], rng) for label in train_labels]
    test_texts, test_labels = sentences(num_test, rng)
    return SyntheticCorpus(unlabeled, train_texts, train_labels, test_texts, test_labels)
