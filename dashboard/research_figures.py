"""The Research page's figures of the sweep questions and timing: plain data frames in, plotly out."""
import pandas as pd
import plotly.express as px


def sweep_figure(name: str, df: pd.DataFrame):
    """The figure of one of seed 001's sweep questions (None for a question without one)."""
    if name == "bidirectional":
        g = df.groupby(["preset", "bidirectional"])[["invocab_cer", "heldout_cer"]].mean().reset_index()
        g = g.melt(["preset", "bidirectional"], var_name="split", value_name="CER")
        return px.bar(g, x="preset", y="CER", color="bidirectional", barmode="group", facet_col="split",
                      title="Final CER, uni- vs bidirectional (mean over seeds)")
    if name == "hidden":
        g = df.groupby("hidden")[["invocab_cer", "heldout_cer", "parameters"]].mean().reset_index()
        fig = px.line(g, x="hidden", y=["invocab_cer", "heldout_cer"], log_x=True, markers=True,
                      hover_data=["parameters"], title="Final CER against hidden size (mean over seeds)",
                      labels={"value": "CER", "hidden": "hidden units per direction"})
        return fig.update_xaxes(tickvals=sorted(g["hidden"]))
    if name == "seeds":
        long = df.melt(["preset", "seed"], ["invocab_cer", "heldout_cer"], var_name="split", value_name="CER")
        return px.strip(long, x="preset", y="CER", color="split", title="Final CER of every seed (seeds 0-9)")
    if name == "compositional":
        g = df.groupby(["holdout_frac", "cut_fraction"])[["heldout_cer", "heldout_word_acc"]].mean().reset_index()
        return px.line(g, x="holdout_frac", y="heldout_cer", color="cut_fraction", markers=True,
                       title="Held-out CER against the held-out fraction, with and without letter cuts",
                       labels={"holdout_frac": "held-out fraction of the vocabulary", "heldout_cer": "held-out CER"})
    return None


def timing_figure(df: pd.DataFrame):
    return px.bar(df, x="model", y=["within_letter", "in_last_fifth"], barmode="group",
                  title="Share of letters emitted while drawn, and in the word's last fifth",
                  labels={"value": "share of letters", "variable": ""})

