// Milestones are the real-world record. Their `source` may open with the fact sheet's
// confidence tag ("[S×1] AWS post-event summary …"); split it out for tooltips.

const CONFIDENCE = {
  P: "read on the AWS page", Q: "AWS text quoted by secondary sources", S: "secondary sources paraphrasing AWS",
  R: "unconfirmed recollection", X: "outside AWS's written summary", I: "inference or modelling assumption",
};

export function describeMilestone(m) {
  const raw = String(m.source || "");
  const tag = /^\s*\[([^\]]{1,12})\]\s*/.exec(raw);
  const source = tag ? raw.slice(tag[0].length) : raw;
  let confidence = m.confidence ? String(m.confidence) : "";
  if (!confidence && tag) {
    const words = tag[1].split("/").map((t) => CONFIDENCE[t.trim()[0]]).filter(Boolean);
    confidence = `[${tag[1]}]${words.length ? ` ${words.join(" / ")}` : ""}`;
  }
  return { label: String(m.label || ""), source, confidence, tag: tag ? `[${tag[1]}]` : "", kind: m.kind || "reference" };
}
