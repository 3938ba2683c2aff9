// Who should take a work order: technicians ranked by region, skill and current load. Pure.
// A technician's region matches a site when the site's code starts with it (codes such as "SH-001").

export interface Candidate {
  id: string;
  name: string;
  skills: readonly string[];
  regions: readonly string[];
  /** Open work orders (not done or cancelled) assigned to the technician now. */
  load: number;
}

export interface Suggestion {
  technicianId: string;
  name: string;
  score: number;
  reasons: string[];
}

export function suggestTechnicians(candidates: readonly Candidate[], need: { siteCode: string; skill: string | null }): Suggestion[] {
  const scored = candidates.map((c) => {
    const reasons: string[] = [];
    let score = 0;
    const region = c.regions.find((r) => need.siteCode.toUpperCase().startsWith(r.toUpperCase()));
    if (region) {
      score += 10;
      reasons.push(`works in region ${region}`);
    }
    if (need.skill && c.skills.includes(need.skill)) {
      score += 5;
      reasons.push(`has skill ${need.skill}`);
    }
    score -= c.load;
    reasons.push(`${c.load} open work order${c.load === 1 ? '' : 's'}`);
    return { technicianId: c.id, name: c.name, score, reasons };
  });
  return scored.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name) || a.technicianId.localeCompare(b.technicianId));
}
