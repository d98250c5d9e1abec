// `npm run bench -- scale`: cost curves (issue 16). Each axis is a file of its own; BENCH_SCALE
// picks some (`stages,files,bytes,checkout`, default all). Every figure is printed at each size with its
// growth factor against the size before, next to the peer measured in the same run.
export async function benchScale(ctx) {
  const axes = (process.env.BENCH_SCALE ?? 'stages,files,bytes,checkout').split(',').filter(Boolean);
  for (const axis of axes) {
    const mod = await import(`./bench-scale-${axis}.mjs`).catch((e) => {
      if (e.code === 'ERR_MODULE_NOT_FOUND') return undefined;
      throw e;
    });
    if (!mod) {
      console.log(`scale: no axis named "${axis}" (stages, files, bytes, checkout)`);
      continue;
    }
    console.log(`\n== scale: ${axis}`);
    await mod.bench(ctx);
  }
}
