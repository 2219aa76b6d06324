"""The Research page's adaptation question: its figure, tables and headline, all computed from the shipped files
(`sweep.csv` and `about.json` of the test writers, `recipes.json` of the validation writers' recipe search)."""
import pandas as pd
import plotly.express as px

from core.train.writer_adaptation import POOR_CER, poorly_read, summarise_groups

GROUPS = {"poor": f"writers read at CER >= {POOR_CER:.2f}", "all": "all writers"}
TARGET = {"n": 20, "own": -0.30, "others": 0.05, "seconds": 60.0}  # issue 25's target for the poorly read


def adaptation_summary(df: pd.DataFrame) -> dict[str, list[dict]]:
    return summarise_groups(df.to_dict("records"))


def adaptation_figure(summary: dict[str, list[dict]]):
    rows = [{"n": s["n"], "CER": s[f"{side}_cer"], "writers": s["writers"],
             "line": f"{label}: {'their other words' if side == 'own' else 'other writers’ words'}"}
            for g, label in GROUPS.items() for s in summary[g] for side in ("own", "others")]
    fig = px.line(pd.DataFrame(rows), x="n", y="CER", color="line", markers=True, hover_data=["writers"],
                  title="Pooled greedy CER after adapting to N words of a writer (N = 0: as shipped)",
                  labels={"n": "N: the writer's words adapted to", "CER": "pooled CER", "line": ""})
    return fig.update_xaxes(tickvals=sorted({r["n"] for r in rows}))


def _pct(x: float) -> str:
    return f"{x:+.1%}"


def adaptation_table(summary: dict[str, list[dict]]) -> pd.DataFrame:
    """One row per N: each group's pooled CER and change, its writers (and how many were made worse), the other
    writers' pooled CER and change, and seconds per adaptation."""
    by_n = {g: {s["n"]: s for s in summary[g]} for g in GROUPS}
    rows = []
    for n, whole in by_n["all"].items():
        row = {"N words": n}
        for g, short in (("poor", f"CER ≥ {POOR_CER:.2f}"), ("all", "all")):
            s = by_n[g].get(n)
            if s is not None:
                change = (lambda side: f" ({_pct(s[f'{side}_change'])})" if n else "")
                row[f"{short}: pooled CER"] = f"{s['own_cer']:.3f}{change('own')}"
                row[f"{short}: writers"] = (f"{s['worse']} made worse" if n else
                                            f"{s['writers']} of {s['contributors']} contributors")
                row[f"{short}: others' CER"] = f"{s['others_cer']:.3f}{change('others')}"
        row["CPU s (mean, most)"] = f"{whole['cpu_seconds']:.0f}, {whole['cpu_seconds_max']:.0f}" if n else ""
        row["wall s (mean)"] = f"{whole['seconds']:.0f}" if n else ""
        rows.append(row)
    return pd.DataFrame(rows)


def per_writer_table(df: pd.DataFrame) -> pd.DataFrame:
    """Each writer's pooled CER on their other words by N, the poorly read marked."""
    table = df.pivot_table(index=["contributor", "writer"], columns="n", values="own_corpus_cer").round(3)
    table = table.rename(columns=lambda n: f"N = {n}").reset_index()
    poor = set(poorly_read(df.to_dict("records")))
    return table.assign(**{"read poorly": table["writer"].isin(poor)})


def recipes_table(recipes: dict, chosen: dict | None) -> pd.DataFrame:
    """The validation search: each recipe's change for the poorly read writers and for all, the others' change
    and seconds; `chosen` (the config the test sweep ran) is marked."""
    same = (lambda cfg: chosen is not None and all(cfg.get(k) == v for k, v in chosen.items()
                                                   if k not in ("eval_every", "threads")))
    return pd.DataFrame([{"recipe": s["recipe"], "chosen": same(recipes["recipes"].get(s["recipe"], {})),
                          "poorly read: pooled CER change": _pct(s["poor_own_change"]),
                          "all writers: change": _pct(s["all_own_change"]),
                          "others (poorly read adapted)": _pct(s.get("poor_others_change", float("nan"))),
                          "others (all adapted)": _pct(s["all_others_change"]),
                          "seconds (mean)": round(s.get("all_cpu_seconds", s["all_seconds"]))}
                         for s in recipes["summary"] if "poor_own_change" in s])


def recipes_caption(recipes: dict) -> str:
    """What the recipe table was measured on and how the recipe was chosen from it."""
    return (f"N = {recipes.get('n')} words of {recipes.get('writers')} writers of the validation contributors "
            f"{', '.join(recipes.get('contributors', []))}; pooled greedy CER change against the reader as shipped. "
            f"Chosen: the largest cut for the poorly read writers among the recipes that cost the other writers at "
            f"most {TARGET['others']:+.0%} (in both groups) and take at most {TARGET['seconds']:.0f} s of one core. "
            + recipes.get("rounds", ""))


def adaptation_answer(summary: dict[str, list[dict]], about: dict) -> str:
    """The headline at the target's N, with the target met or missed, from the figures."""
    at = {g: next((s for s in summary[g] if s["n"] == TARGET["n"]), None) for g in GROUPS}
    a, p = at["all"], at["poor"]
    if a is None:
        return ""
    text = f"**N = {TARGET['n']} words.** "
    if p is not None:
        met = p["own_change"] <= TARGET["own"] and p["others_change"] <= TARGET["others"] \
            and p["cpu_seconds_max"] <= TARGET["seconds"]
        text += (f"The {p['writers']} writers read at CER ≥ {POOR_CER:.2f} as shipped: pooled CER "
                 f"{p['own_cer'] / (1 + p['own_change']):.3f} → {p['own_cer']:.3f} (**{_pct(p['own_change'])}**), "
                 f"other writers' words {_pct(p['others_change'])}, {p['worse']} of the {p['writers']} made worse. "
                 f"Target ({TARGET['own']:.0%} with at most {TARGET['others']:+.0%} for others, in "
                 f"{TARGET['seconds']:.0f} s): **{'met' if met else 'missed'}**. ")
    return text + (f"All {a['writers']} writers of the {a['contributors']} test contributors "
                   f"({', '.join(about.get('contributors', []))}): {_pct(a['own_change'])}, other writers' words "
                   f"{_pct(a['others_change'])}; {a['cpu_seconds']:.0f} s of one core per adaptation on average, "
                   f"{a['cpu_seconds_max']:.0f} s at most.")
