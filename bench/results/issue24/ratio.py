# ratio.py FILE...: for each raw BenchmarkLogCall output, the medians of
# LogCrest and ZerologDiscard and the median of their per-run ratio (each
# run of the test binary pairs the two in the same moment of the machine).
import sys,re,statistics
for f in sys.argv[1:]:
    runs=[];cur={}
    for line in open(f):
        m=re.match(r'BenchmarkLogCall/(\w+)/(\w+)-2\s+\d+\s+([\d.]+) ns/op',line)
        if m:
            k=(m.group(1),m.group(2))
            if k in cur: runs.append(cur); cur={}
            cur[k]=float(m.group(3))
    if cur: runs.append(cur)
    for v in ("Fields10","Ctx2"):
        lc=[r[(v,"LogCrest")] for r in runs if (v,"LogCrest") in r]
        zd=[r[(v,"ZerologDiscard")] for r in runs if (v,"ZerologDiscard") in r]
        ratios=[a/b for a,b in zip(lc,zd)]
        print(f, v, "LogCrest median %.0f ns, ZerologDiscard median %.0f ns, per-run ratio median %.2fx (runs %s)"%(statistics.median(lc),statistics.median(zd),statistics.median(ratios)," ".join("%.2f"%r for r in ratios)))
