"""Synthetic corpora with planted structure, for tests that check what training learns."""
import numpy as np

ROLES = ["king", "actor", "waiter", "doctor"]
GENDERS = ["m", "f"]


def cluster_corpus(n_sentences=3000, n_clusters=6, members=4, contexts=12, length=10, seed=0):
    """Sentences where the member words of a cluster share that cluster's context words.

    Returns
    -------
    (list of list of str, list of list of str)
        The sentences and the member words of each cluster.
    """
    rng = np.random.default_rng(seed)
    clusters = [["c%dm%d" % (c, m) for m in range(members)] for c in range(n_clusters)]
    context = [["c%dx%d" % (c, x) for x in range(contexts)] for c in range(n_clusters)]
    sentences = []
    for _ in range(n_sentences):
        c = rng.integers(n_clusters)
        words = list(rng.choice(context[c], size=length))
        words[rng.integers(length)] = clusters[c][rng.integers(members)]
        sentences.append([str(w) for w in words])
    return sentences, clusters


def analogy_corpus(n_sentences=4000, length=8, seed=0):
    """Words ``<role>_<gender>`` whose contexts mix a role topic and a gender topic.

    ``king_m - waiter_m + waiter_f`` should land nearest ``king_f``.
    """
    rng = np.random.default_rng(seed)
    role_ctx = {r: ["%s_ctx%d" % (r, i) for i in range(10)] for r in ROLES}
    gender_ctx = {g: ["g%s_ctx%d" % (g, i) for i in range(10)] for g in GENDERS}
    sentences = []
    for _ in range(n_sentences):
        role = ROLES[rng.integers(len(ROLES))]
        gender = GENDERS[rng.integers(2)]
        words = []
        for _ in range(length):
            pool = role_ctx[role] if rng.random() < 0.5 else gender_ctx[gender]
            words.append(pool[rng.integers(len(pool))])
        words[rng.integers(length)] = "%s_%s" % (role, gender)
        sentences.append(words)
    return sentences


def nearest_cluster_rate(wv, clusters):
    """Fraction of member words whose nearest neighbour (cosine) is in their own cluster."""
    vectors = np.asarray(wv.vectors, dtype=np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    everyone = [word for cluster in clusters for word in cluster]
    rows = [wv.key_to_index[word] for word in everyone]
    hits = 0
    for cluster in clusters:
        for word in cluster:
            sims = unit[rows] @ unit[wv.key_to_index[word]]
            sims[everyone.index(word)] = -np.inf
            hits += everyone[int(np.argmax(sims))] in cluster
    return hits / len(everyone)


def analogy_answer(wv, a, b, c):
    """The word nearest ``a - b + c`` (cosine on unit vectors), excluding a, b and c."""
    vectors = np.asarray(wv.vectors, dtype=np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    query = unit[wv.key_to_index[a]] - unit[wv.key_to_index[b]] + unit[wv.key_to_index[c]]
    sims = unit @ query
    for word in (a, b, c):
        sims[wv.key_to_index[word]] = -np.inf
    return wv.index_to_key[int(np.argmax(sims))]
