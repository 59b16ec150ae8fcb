import re,statistics,collections,sys
rounds=[]; cur={}
for line in open(sys.argv[1]):
    m=re.match(r'BenchmarkServer/([\w-]+)-2\s+\d+\s+.*?([\d.]+) cpu-µs/req',line)
    if not m: continue
    name=m[1]; v=float(m[2])
    if name=='bare' and cur: rounds.append(cur); cur={}
    cur[name]=v
if cur: rounds.append(cur)
names=[n for n in rounds[0] if n!='bare']
add={n:[r[n]-r['bare'] for r in rounds if n in r] for n in names}
print('rounds',len(rounds))
for n in names:
    a=add[n]; print('%-30s added median %5.1f  (min %5.1f max %5.1f)'%(n,statistics.median(a),min(a),max(a)))
def ratio(a,b):
    r=[x/y for x,y in zip(add[a],add[b])]; return statistics.median(r)
for a,b in [('logcrest-files','hlog-lumberjack'),('logcrest-files-sampled','hlog-lumberjack'),('logcrest-files-full','hlog-lumberjack'),('logcrest-middleware','floor-middleware'),('logcrest-middleware','hlog-middleware')]:
    if a in add and b in add: print('%s / %s added, per-round median %.2f'%(a,b,ratio(a,b)))
