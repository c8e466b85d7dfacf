export function BoardPage({ unitCode }: { unitCode: string }) {
  return <h1>村级公示 {unitCode}</h1>;
}
