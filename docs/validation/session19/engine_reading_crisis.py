import numpy as np, time
from model.core.locality import Ensemble
from model.core.events import Shock
from model.experiments.validation import push, FIELD
t=time.time()
n=300; seeds=list(range(7000,7000+n))
def run(events, **kw):
    e=Ensemble(seeds, events=events, **kw).engine
    f=e.field_index(FIELD)
    reached=np.zeros(n,bool); trig_gap=[]; prev=e.phase[:,f].copy()
    for _ in range(120):
        e.month()
        ph=e.phase[:,f]
        new=(prev==0)&(ph==1)
        # how far performance at trigger sits below its no-innovation potential (base + I)
        trig_gap += list((e.performance_base[new,f]+e.improvement[new,f]-e.performance_at_trigger[new,f]))
        reached |= ph>=3; prev=ph.copy()
    return reached.mean(), np.round(np.percentile(trig_gap,[10,50,90]),3) if trig_gap else None, len(trig_gap)
crisis=[Shock(0,"crisis",field=FIELD)]
for name,ev,kw in [("push uplift0",push(),dict(innovation_uplift=0.0)),
                   ("crisis uplift0",crisis,dict(innovation_uplift=0.0)),
                   ("crisis+push uplift0",crisis+push(),dict(innovation_uplift=0.0)),
                   ("crisis default",crisis,{}),("push default",push(),{}),
                   ("crisis+push default",crisis+push(),{})]:
    print(name, run(ev,**kw), round(time.time()-t,1))
