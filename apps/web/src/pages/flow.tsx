export function FlowPage({ batchId }: { batchId: string }) {
  return <h1>资金流向 {batchId}</h1>;
}
