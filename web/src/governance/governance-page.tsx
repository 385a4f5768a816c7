export function GovernancePage() {
  return null;
}
export const parseGovernanceSearch = (s: Record<string, unknown>) => ({ tab: s.tab as string | undefined });
