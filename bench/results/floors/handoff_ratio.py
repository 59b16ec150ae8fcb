import re,statistics,collections,sys
runs=collections.defaultdict(list)
for line in open(sys.argv[1]):
    m=re.match(r'BenchmarkHandoff/(\w+)/(\w+)-2\s+\d+\s+([\d.]+) ns/op',line)
    if m: runs[(m[1],m[2])].append(float(m[3]))
for fs in ['Fields10','Ctx2']:
    d=runs[(fs,'ZerologDiscard')]
    for v in ['ZerologCopy','ZerologHandoff','ZerologHandoffDeep','LogCrest']:
        r=[a/b for a,b in zip(runs[(fs,v)],d)]
        print(fs,v,'ratio to zerolog->io.Discard, per run: median %.2f  min %.2f  max %.2f'%(statistics.median(r),min(r),max(r)))
    for base in ['ZerologHandoff','ZerologHandoffDeep']:
        r=[a/b for a,b in zip(runs[(fs,'LogCrest')],runs[(fs,base)])]
        print(fs,'LogCrest /',base,'median %.2f'%statistics.median(r))
